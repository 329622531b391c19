package repl

// Change is one change of the open transaction, as :changes lists it.
type Change struct {
	Seq    int
	Desc   string
	Undone bool
}

// Mark is a point in the session's changes: the open transaction's id
// ("" when none is open) and how many changes it had then. The REPL takes
// one before each statement so that :undo and Ctrl-C can return to it.
type Mark struct {
	Tx string
	N  int
}

// Transaction is the live transaction the REPL works in. The REPL knows
// no binding; the CLI adapts its session to this.
type Transaction interface {
	// Changes lists the open transaction's changes, undone ones flagged.
	Changes() []Change
	// Count is the number of changes made and not undone.
	Count() int
	// Mark says where the open transaction is now.
	Mark() Mark
	// UndoTo undoes, newest first, every change of the open transaction
	// made after m (all of them if the transaction began after m).
	UndoTo(m Mark) error
	// Commit keeps the changes; it returns the transaction's id.
	Commit() (id string, err error)
	// Rollback undoes every change of the open transaction.
	Rollback() error
}
