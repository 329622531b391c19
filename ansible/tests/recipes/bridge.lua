-- A change off the SSH path: a bridge named by the first argument.
bridge.create(arg[1] or "brfleet0", {stp = false, forward_delay = 0})
