// Package virtnet is the `network` module: it reads and changes libvirt
// networks (`virsh net-*`) through the connection bindings/virtconn
// shares with the other libvirt bindings.
package virtnet
