package main

import (
	"fmt"
	"slices"
	"strconv"
)

// goal is what a figure must meet: fleetbake's median at most ratio times
// the anchor's, or at most (below, with strict) an absolute value; neither
// prints the figure without a verdict.
type goal struct {
	ratio  float64
	abs    float64
	absSet bool
	strict bool   // fleetbake's median must be below abs
	text   string // the goal column for an absolute goal, e.g. "<= 3ms"
}

func ratioGoal(r float64) goal { return goal{ratio: r} }
func atMost(v float64, text string) goal {
	return goal{abs: v, absSet: true, text: text}
}
func below(v float64, text string) goal {
	return goal{abs: v, absSet: true, strict: true, text: text}
}

var noGoal = goal{}

// spread is the median, min and max, the median taken as bench/lib.bash's
// spread takes it (the lower middle of an even count).
func spread(v []float64) (med, lo, hi float64) {
	if len(v) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2], s[0], s[len(s)-1]
}

// printLine prints one table line in the columns of bench/lib.bash's
// bench_line, so uibench's lines read as one table with the other scripts'.
func printLine(figure, unit, anchor string, g goal, a, b []float64) {
	am, alo, ahi := spread(a)
	bm, blo, bhi := spread(b)
	r := 0.0
	if bm > 0 {
		r = am / bm
	}
	goalText, verdict := "-", ""
	switch {
	case g.absSet:
		goalText = g.text
		ok := am <= g.abs
		if g.strict {
			ok = am < g.abs
		}
		verdict = okMissed(ok)
	case g.ratio > 0:
		goalText = "<= " + strconv.FormatFloat(g.ratio, 'g', -1, 64) + "x"
		verdict = okMissed(r <= g.ratio)
	}
	fmt.Printf("%-30s fleetbake %9.2f %-3s [%.2f..%.2f]  %-12s %9.2f [%.2f..%.2f]  ratio %6.2fx  goal %-7s %s\n",
		figure, am, unit, alo, ahi, anchor, bm, blo, bhi, r, goalText, verdict)
}

func okMissed(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func ms(d float64) float64 { return d / 1e6 } // nanoseconds to milliseconds
