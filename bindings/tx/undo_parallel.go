package tx

import "sync"

// parallelUndos bounds the undos run at once (libvirtd serves at most
// max_client_requests, default 5, calls of one connection at a time).
const parallelUndos = 4

// undoInOrder undoes steps, given newest first: undo gets a run of steps
// of one kind (several only when they are one group's consecutive steps,
// newest first: UndoGroup may take them at once) and returns one result
// per step, which record is handed in steps' order (journal records and
// reports stay in one goroutine). A run of consecutive steps whose kinds
// name a Group is undone side by side across groups, each group's steps
// still newest first; any other step is a barrier, undone alone.
func undoInOrder(steps []*Step, undo func([]*Step) []UndoResult, record func(*Step, UndoResult)) {
	for i := 0; i < len(steps); {
		if groupOf(steps[i]) == "" {
			record(steps[i], undo(steps[i : i+1])[0])
			i++
			continue
		}
		j := i
		for j < len(steps) && groupOf(steps[j]) != "" {
			j++
		}
		run := steps[i:j]
		for k, res := range undoGrouped(run, undo) {
			record(run[k], res)
		}
		i = j
	}
}

func groupOf(st *Step) string {
	k, ok := lookupKind(st.Kind)
	if !ok || k.Group == nil {
		return ""
	}
	return k.Group(st.Data)
}

// undoGrouped undoes run (newest first) with one worker per group at a
// time, up to parallelUndos groups at once; a group's consecutive steps
// of one kind go to undo together. Results are in run's order.
func undoGrouped(run []*Step, undo func([]*Step) []UndoResult) []UndoResult {
	var order []string
	byGroup := map[string][]int{}
	for k, st := range run {
		g := groupOf(st)
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], k)
	}
	results := make([]UndoResult, len(run))
	next := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < min(parallelUndos, len(order)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range next {
				ks := byGroup[g]
				for len(ks) > 0 {
					n := 1
					for n < len(ks) && run[ks[n]].Kind == run[ks[0]].Kind {
						n++
					}
					same := make([]*Step, n)
					for i, k := range ks[:n] {
						same[i] = run[k]
					}
					for i, res := range undo(same) {
						results[ks[i]] = res
					}
					ks = ks[n:]
				}
			}
		}()
	}
	for _, g := range order {
		next <- g
	}
	close(next)
	wg.Wait()
	return results
}
