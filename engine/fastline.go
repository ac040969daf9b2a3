package engine

// The reader's fast path: the lines that make up nearly all of a big log,
// handled straight into the tracker, with no Event and no string made per
// line. A 1 GB log of a big build is mostly three kinds of line: a task
// that starts ("NOTE: Running task N of M (file:do_x)" and "NOTE: recipe PF:
// task do_x: Started"), one that ends ("...: Succeeded"), and the lines of
// the task logs BitBake includes after a failure ("| ..."), or task output
// that is never an event. Every other line, and any of these that is not
// exactly in the expected form, goes to Parser.Feed, so the result is the
// same as feeding every line there (TestFastPathSameAsFeed,
// FuzzFastPathSameAsFeed).

import "bytes"

// The hot prefixes are compared as constant strings of at most 16 bytes,
// which the compiler turns into a few word compares (bytes.HasPrefix calls
// memequal: ~5% of a cold read).

// fast handles line (which has no '\r') as Feed and Tracker.Apply would
// and reports true, or reports false having changed nothing.
func (r *logReader) fast(line []byte) bool {
	if r.p.inError {
		// continuesError, for the lines that continue an ERROR message
		// whatever they say; the others end it, which Feed handles.
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '|' {
			r.t.errs.context(line)
			return true
		}
		return false
	}
	if len(line) == 0 {
		return true // Feed ignores it, in a fail summary too
	}
	if r.p.inFailSummary {
		return false
	}
	switch line[0] {
	case ' ', '\t', '|':
		return true // task output, never an event
	case 'N':
		if len(line) >= 14 && string(line[:14]) == "NOTE: Running " {
			return r.fastRunning(line[14:])
		}
		if len(line) >= 13 && string(line[:13]) == "NOTE: recipe " {
			return r.fastRecipe(line[13:])
		}
	}
	return false
}

// pipesChangeNothing reports whether a line that starts with '|' (and has
// no '\r') would change nothing, as Feed and Apply go: inside an ERROR
// message that takes no more context, or outside any (a fail summary ends
// at such a line).
func (r *logReader) pipesChangeNothing() bool {
	if r.p.inError {
		return !r.t.errs.takesContext()
	}
	return !r.p.inFailSummary
}

// fastRunning is Parser.running and Tracker.Apply of its EvTaskRunning for
// "[setscene |noexec ]task N of M (file:do_x)", with the recipe and task
// names interned instead of a string made of the whole task.
func (r *logReader) fastRunning(rest []byte) bool {
	var setscene, noexec bool
	switch {
	case bytes.HasPrefix(rest, pSetsceneTask):
		setscene, rest = true, rest[len(pSetsceneTask):]
	case bytes.HasPrefix(rest, pNoexecTask):
		noexec, rest = true, rest[len(pNoexecTask):]
	case len(rest) >= 5 && string(rest[:5]) == "task ":
		rest = rest[len(pTask):]
	default:
		return false
	}
	n, k := atoi(rest)
	if k == 0 || len(rest) < k+4 || string(rest[k:k+4]) != " of " {
		return false
	}
	rest = rest[k+len(pOf):]
	m, k := atoi(rest)
	if k == 0 {
		return false
	}
	rest = rest[k:]
	if len(rest) <= 3 || rest[0] != ' ' || rest[1] != '(' || rest[len(rest)-1] != ')' {
		return false
	}
	var pn, task string
	if !noexec {
		pnb, taskb := splitTaskBytes(rest[2 : len(rest)-1])
		pn, task = r.p.name(pnb), r.p.name(taskb)
	}
	r.t.errs.close()
	r.t.taskRunning(n, m, setscene, noexec, pn, task)
	return true
}

// fastRecipe is Parser.recipeTask and Tracker.Apply for "PF: task do_x:
// Started" (which changes nothing but ending an ERROR message) and
// "...: Succeeded" (the task is no longer running).
func (r *logReader) fastRecipe(rest []byte) bool {
	// recipeTask's bytes.Index(rest, ": task "): the first ':' starts it
	// unless a PF holds a colon (then the general search).
	i := bytes.IndexByte(rest, ':')
	if i >= 0 && (len(rest) < i+7 || string(rest[i:i+7]) != ": task ") {
		i = bytes.Index(rest, pTaskSep)
	}
	if i <= 0 {
		return false
	}
	pf, rest := rest[:i], rest[i+len(pTaskSep):]
	// recipeTask takes the text after the last ": "; neither word has a
	// colon, so the suffix is it, and "rest longer than the suffix" is
	// recipeTask's "a task name before it".
	switch {
	case len(rest) > 9 && string(rest[len(rest)-9:]) == ": Started":
		r.t.errs.close()
	case len(rest) > 11 && string(rest[len(rest)-11:]) == ": Succeeded":
		r.t.errs.close()
		finishTask(r.t, pf, rest[:len(rest)-11])
	default:
		return false
	}
	return true
}

// splitTaskBytes is splitTaskString on bytes (the same split, filepath.Base
// included), so a task line needs no string of its own. One pass back from
// the end: the task after the last ':', the file name before it.
func splitTaskBytes(s []byte) (pn, task []byte) {
	i := len(s) - 1
	for i >= 0 && s[i] != ':' {
		i--
	}
	if i < 0 {
		return s, nil
	}
	task = s[i+1:]
	// filepath.Base(s[:i]): "." for "", trailing slashes dropped, "/" for
	// slashes only.
	end := i
	for end > 0 && s[end-1] == '/' {
		end--
	}
	switch {
	case i == 0:
		pn = dotPath
	case end == 0:
		pn = slashPath
	default:
		b := end - 1
		for b >= 0 && s[b] != '/' {
			b--
		}
		pn = s[b+1 : end]
	}
	if n := len(pn); n >= 3 && pn[n-3] == '.' && pn[n-2] == 'b' && pn[n-1] == 'b' {
		pn = pn[:n-3]
	}
	if j := bytes.IndexByte(pn, '_'); j > 0 {
		pn = pn[:j]
	}
	return pn, task
}

var (
	dotPath   = []byte(".")
	slashPath = []byte("/")
)
