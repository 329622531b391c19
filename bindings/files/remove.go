package files

import (
	"fmt"
	"os"
	"path/filepath"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

var removeKind = tx.NewKind("files.remove", func(_ *target.Target, u removeUndo) error {
	return restore(u.Before)
}, tx.KindOptions[removeUndo]{Drift: func(_ *target.Target, u removeUndo) error {
	return driftFrom(u.Before.Path, nil)
}, OutlivesBoot: true})

type removeUndo struct {
	Before State `json:"before"`
}

// Remove is `rm PATH`: a file that does not exist is an error, as for rm
// without -f; rollback puts the file back with its content, mode and owner.
func Remove(s *tx.Session, path string) error {
	p, err := resolve(path)
	if err != nil {
		return err
	}
	before, err := Capture(p)
	if err != nil {
		return err
	}
	if !before.Exists {
		return engine.NotFound("no such file")
	}
	return removeKind.Apply(s, "file:"+p, fmt.Sprintf("remove file %s (%d bytes)", p, len(before.Content)), removeUndo{Before: before}, func() error {
		if err := os.Remove(p); err != nil {
			return fileErr(err)
		}
		return syncDir(filepath.Dir(p))
	})
}
