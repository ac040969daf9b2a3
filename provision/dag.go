package provision

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// node is one step of a dependency graph of AWS calls.
type node struct {
	id   string
	deps []string
	kind Kind // the plan row it reports progress for ("" for none)
	run  func(ctx context.Context) error

	calls int // AWS operations it made, set after it ran
	path  int // longest chain of calls ending with this node
}

// runGraph runs nodes as soon as their dependencies are done, each in its
// own goroutine, or one at a time in dependency order when sequential. The
// first failure cancels the steps not yet started and is returned (all
// failures are joined); steps already running finish. It returns the
// longest chain of dependent AWS calls made (the critical path).
//
// With keepGoing (destroy), a failure does not cancel the other steps; only
// the steps that depend on the failed one are skipped.
func runGraph(ctx context.Context, nodes []*node, sequential bool, keepGoing ...bool) (int, error) {
	keep := len(keepGoing) > 0 && keepGoing[0]
	byID := map[string]*node{}
	for _, n := range nodes {
		byID[n.id] = n
	}
	for _, n := range nodes {
		for _, d := range n.deps {
			if byID[d] == nil {
				return 0, fmt.Errorf("internal: step %s depends on unknown step %s", n.id, d)
			}
		}
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	done := map[string]chan struct{}{}
	for _, n := range nodes {
		done[n.id] = make(chan struct{})
	}
	var (
		mu     sync.Mutex
		errs   []error
		failed = map[string]bool{}
		seq    sync.Mutex // held while a step runs, in sequential mode
		wg     sync.WaitGroup
	)
	exec := func(n *node) {
		defer close(done[n.id])
		for _, d := range n.deps {
			<-done[d]
		}
		mu.Lock()
		skip := ctx.Err() != nil
		for _, d := range n.deps {
			if failed[d] {
				skip = true
			}
		}
		mu.Unlock()
		if skip {
			mu.Lock()
			failed[n.id] = true
			mu.Unlock()
			return
		}
		if sequential {
			seq.Lock()
			defer seq.Unlock()
		}
		counter := &callCounter{}
		err := n.run(context.WithValue(ctx, counterKey{}, counter))
		mu.Lock()
		defer mu.Unlock()
		n.calls = int(counter.calls.Load())
		longest := 0
		for _, d := range n.deps {
			if p := byID[d].path; p > longest {
				longest = p
			}
		}
		n.path = longest + n.calls
		if err != nil {
			failed[n.id] = true
			// A step stopped because another one failed says nothing new.
			if !(errors.Is(err, context.Canceled) && ctx.Err() != nil && parent.Err() == nil) {
				errs = append(errs, err)
			}
			if !keep {
				cancel()
			}
		}
	}
	if sequential {
		for _, n := range topoOrder(nodes, byID) {
			exec(n)
		}
	} else {
		for _, n := range nodes {
			wg.Add(1)
			go func(n *node) {
				defer wg.Done()
				exec(n)
			}(n)
		}
		wg.Wait()
	}
	crit := 0
	for _, n := range nodes {
		if n.path > crit {
			crit = n.path
		}
	}
	if len(errs) > 0 {
		return crit, joinErrors(errs)
	}
	return crit, ctx.Err()
}

func topoOrder(nodes []*node, byID map[string]*node) []*node {
	var out []*node
	seen := map[string]bool{}
	var visit func(n *node)
	visit = func(n *node) {
		if seen[n.id] {
			return
		}
		seen[n.id] = true
		for _, d := range n.deps {
			visit(byID[d])
		}
		out = append(out, n)
	}
	for _, n := range nodes {
		visit(n)
	}
	return out
}
