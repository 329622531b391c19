// Package virtconn holds the libvirt connection every libvirt binding
// (domain, network) shares: one per URI per process, opened at first
// use, so a rollback in the same process talks to the same daemon (and
// the same in-memory test driver) as the changes it undoes; and turns
// libvirt's errors into one line of the right kind.
package virtconn

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"libvirt.org/go/libvirt"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// DefaultURI is libvirt's system daemon, used when neither the target nor
// $LIBVIRT_DEFAULT_URI names one.
const DefaultURI = "qemu:///system"

// URI is the libvirt URI for a target: its own, else $LIBVIRT_DEFAULT_URI,
// else qemu:///system — what `virsh -c` would pick.
func URI(tg *target.Target) string {
	if tg != nil && tg.LibvirtURI != "" {
		return tg.LibvirtURI
	}
	if u := os.Getenv("LIBVIRT_DEFAULT_URI"); u != "" {
		return u
	}
	return DefaultURI
}

var (
	connsMu sync.Mutex
	conns   = map[string]*libvirt.Connect{}
)

// Connect returns the shared connection to the target's libvirt (`virsh
// -c URI`), opening it on first use and again if the daemon went away.
func Connect(tg *target.Target) (*libvirt.Connect, error) { return connect(URI(tg)) }

// ConnectNetworks is Connect for the target's networks, which a plan
// keeps in a copy of their own (target.Spec.NetworksURI).
func ConnectNetworks(tg *target.Target) (*libvirt.Connect, error) {
	if tg != nil && tg.NetworksURI != "" {
		return connect(tg.NetworksURI)
	}
	return Connect(tg)
}

func connect(uri string) (*libvirt.Connect, error) {
	connsMu.Lock()
	defer connsMu.Unlock()
	if c, ok := conns[uri]; ok {
		if alive, err := c.IsAlive(); err == nil && alive {
			return c, nil
		}
		c.Close()
		delete(conns, uri)
	}
	c, err := libvirt.NewConnect(uri)
	if err != nil {
		return nil, fmt.Errorf("libvirt %s: cannot connect: %s", uri, Message(err))
	}
	conns[uri] = c
	return c, nil
}

// Disconnect closes the shared connection to uri, if open (tests use it
// so that each test-driver fixture starts from its file again).
func Disconnect(uri string) {
	connsMu.Lock()
	defer connsMu.Unlock()
	if c, ok := conns[uri]; ok {
		c.Close()
		delete(conns, uri)
	}
}

// Message is the one-line text of a libvirt error, without the
// virError(Code=..) wrapping.
func Message(err error) string {
	var le libvirt.Error
	if errors.As(err, &le) {
		msg := strings.TrimSpace(le.Message)
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return msg
	}
	return err.Error()
}

// Err turns a libvirt error into one that names its kind for scripts
// (not_found, invalid, exists, denied) and reads as one line.
func Err(err error) error {
	if err == nil {
		return nil
	}
	var le libvirt.Error
	if !errors.As(err, &le) {
		return err
	}
	msg := Message(err)
	switch le.Code {
	case libvirt.ERR_NO_DOMAIN, libvirt.ERR_NO_NETWORK:
		return errkind.NotFound("%s", msg)
	case libvirt.ERR_XML_ERROR, libvirt.ERR_XML_DETAIL, libvirt.ERR_INVALID_ARG, libvirt.ERR_CONFIG_UNSUPPORTED:
		return errkind.Invalid("%s", msg)
	case libvirt.ERR_NETWORK_EXIST, libvirt.ERR_DOM_EXIST:
		return errkind.Exists("%s", msg)
	case libvirt.ERR_OPERATION_DENIED, libvirt.ERR_AUTH_FAILED:
		return errkind.Denied("%s", msg)
	}
	return errors.New(msg)
}

// IsNotFound reports whether err says the domain or network does not exist.
func IsNotFound(err error) bool {
	var le libvirt.Error
	return errors.As(err, &le) && (le.Code == libvirt.ERR_NO_DOMAIN || le.Code == libvirt.ERR_NO_NETWORK)
}
