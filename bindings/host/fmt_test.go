package host

import "fmt"

var sprintf = fmt.Sprintf
