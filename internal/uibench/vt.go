package main

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator: enough of a VT100/xterm to follow
// what Bubble Tea's renderer writes (cursor moves, erases, inserts and
// deletes, scroll regions, repeat) so the driver can read the screen the
// way an engineer would see it. Modes are ignored; colors and attributes
// are kept as one opaque pen per cell, so that a highlight that moves (the
// selected row of dialog's menu is reverse video, its text unchanged) counts
// as a change of the screen.
type screen struct {
	w, h     int
	cells    [][]rune // 0: the right half of a wide character
	pens     [][]int  // the pen each cell was written with; 0 is plain
	pen      int      // the current pen: an index into penNames
	penSGR   string   // the SGR parameters in force since the last reset
	penIDs   map[string]int
	x, y     int
	wrapNext bool // the last column was written: the next character wraps
	top, bot int  // scroll region, inclusive
	saveX    int
	saveY    int
	last     rune // last printed character, for REP
	// appCursor is DECCKM (CSI ? 1 h): the arrow keys are then sent as
	// ESC O A.. rather than ESC [ A.. (ncurses programs such as dialog
	// turn it on and know the keys only that way).
	appCursor bool

	st    parseState
	seq   []byte // parameters and intermediates of the sequence being read
	utf   []byte // bytes of a UTF-8 character being read
	strSt parseState
}

type parseState int

const (
	sGround parseState = iota
	sEsc
	sEscCharset // ESC ( B and friends: one more byte
	sCSI
	sString    // OSC, DCS, APC, PM, SOS: up to BEL or ST
	sStringEsc // ESC inside a string: ST if a backslash follows
)

func newScreen(w, h int) *screen {
	s := &screen{w: w, h: h, penIDs: map[string]int{"": 0}}
	s.reset()
	return s
}

func (s *screen) reset() {
	s.cells = make([][]rune, s.h)
	s.pens = make([][]int, s.h)
	for i := range s.cells {
		s.cells[i] = blank(s.w)
		s.pens[i] = make([]int, s.w)
	}
	s.pen, s.penSGR = 0, ""
	s.x, s.y, s.wrapNext = 0, 0, false
	s.top, s.bot = 0, s.h-1
}

// clearRow blanks line y (new slices: scrolling shares them by copy).
func (s *screen) clearRow(y int) {
	s.cells[y] = blank(s.w)
	s.pens[y] = make([]int, s.w)
}

func blank(w int) []rune {
	r := make([]rune, w)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// Lines returns the screen, trailing spaces cut.
func (s *screen) Lines() []string {
	out := make([]string, s.h)
	for i, row := range s.cells {
		var b strings.Builder
		for _, r := range row {
			if r != 0 {
				b.WriteRune(r)
			}
		}
		out[i] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// String is the screen as text.
func (s *screen) String() string { return strings.Join(s.Lines(), "\n") }

// LineSigs returns each line as its text and the pens of its cells: two
// screens that look alike, highlight included, have equal signatures.
func (s *screen) LineSigs() []string {
	out := make([]string, s.h)
	for y, row := range s.cells {
		var b strings.Builder
		for x, r := range row {
			if r != 0 {
				b.WriteRune(r)
			}
			if p := s.pens[y][x]; p != 0 {
				b.WriteString("\x00" + strconv.Itoa(p) + "\x00")
			}
		}
		out[y] = b.String()
	}
	return out
}

// sgr follows the pen: a reset (no parameter, or 0 first) starts a new one,
// anything else adds to it.
func (s *screen) sgr(seq []byte) {
	str := string(seq)
	switch {
	case str == "" || str == "0":
		s.penSGR = ""
	case strings.HasPrefix(str, "0;"):
		s.penSGR = str[2:]
	case s.penSGR == "":
		s.penSGR = str
	default:
		s.penSGR += ";" + str
	}
	id, ok := s.penIDs[s.penSGR]
	if !ok {
		id = len(s.penIDs)
		s.penIDs[s.penSGR] = id
	}
	s.pen = id
}

// Write feeds terminal output to the screen.
func (s *screen) Write(p []byte) (int, error) {
	for _, c := range p {
		s.feed(c)
	}
	return len(p), nil
}

func (s *screen) feed(c byte) {
	switch s.st {
	case sGround:
		s.ground(c)
	case sEsc:
		s.esc(c)
	case sEscCharset:
		s.st = sGround
	case sCSI:
		switch {
		case c >= 0x40 && c <= 0x7e:
			s.csi(c)
			s.st = sGround
		case c == 0x1b:
			s.st = sEsc
		default:
			s.seq = append(s.seq, c)
		}
	case sString:
		switch c {
		case 0x07:
			s.st = sGround
		case 0x1b:
			s.st = sStringEsc
		}
	case sStringEsc:
		if c == '\\' {
			s.st = sGround
		} else {
			s.st = sString
		}
	}
}

func (s *screen) ground(c byte) {
	if len(s.utf) > 0 || c >= 0x80 {
		s.utf = append(s.utf, c)
		if !utf8.FullRune(s.utf) {
			return
		}
		r, _ := utf8.DecodeRune(s.utf)
		s.utf = s.utf[:0]
		s.print(r)
		return
	}
	switch {
	case c == 0x1b:
		s.st = sEsc
	case c == '\r':
		s.x, s.wrapNext = 0, false
	case c == '\n' || c == '\v' || c == '\f':
		s.lineFeed()
	case c == '\b':
		if s.x > 0 {
			s.x--
		}
		s.wrapNext = false
	case c == '\t':
		s.x = min(s.w-1, (s.x/8+1)*8)
		s.wrapNext = false
	case c < 0x20 || c == 0x7f:
		// other controls: nothing to draw
	default:
		s.print(rune(c))
	}
}

func (s *screen) esc(c byte) {
	s.st = sGround
	switch c {
	case '[':
		s.st, s.seq = sCSI, s.seq[:0]
	case ']', 'P', '_', '^', 'X':
		s.st = sString
	case '(', ')', '*', '+', '#', '%', ' ':
		s.st = sEscCharset
	case '7':
		s.saveX, s.saveY = s.x, s.y
	case '8':
		s.x, s.y, s.wrapNext = s.saveX, s.saveY, false
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M':
		if s.y == s.top {
			s.scrollDown(1)
		} else if s.y > 0 {
			s.y--
		}
		s.wrapNext = false
	case 'c':
		s.reset()
	}
}

func (s *screen) print(r rune) {
	rw := ansi.StringWidth(string(r))
	if rw == 0 {
		return // combining marks and the like: nothing in these screens
	}
	if s.wrapNext {
		s.x = 0
		s.lineFeed()
	}
	if s.x+rw > s.w {
		s.x = 0
		s.lineFeed()
	}
	s.cells[s.y][s.x] = r
	s.pens[s.y][s.x] = s.pen
	if rw == 2 && s.x+1 < s.w {
		s.cells[s.y][s.x+1] = 0
		s.pens[s.y][s.x+1] = s.pen
	}
	s.last = r
	s.x += rw
	if s.x >= s.w {
		s.x, s.wrapNext = s.w-1, true
	}
}

func (s *screen) lineFeed() {
	s.wrapNext = false
	if s.y == s.bot {
		s.scrollUp(1)
		return
	}
	if s.y < s.h-1 {
		s.y++
	}
}

// scrollUp moves the lines of the scroll region up n, blank lines entering
// at the bottom.
func (s *screen) scrollUp(n int) {
	for ; n > 0; n-- {
		copy(s.cells[s.top:s.bot], s.cells[s.top+1:s.bot+1])
		copy(s.pens[s.top:s.bot], s.pens[s.top+1:s.bot+1])
		s.clearRow(s.bot)
	}
}

func (s *screen) scrollDown(n int) {
	for ; n > 0; n-- {
		copy(s.cells[s.top+1:s.bot+1], s.cells[s.top:s.bot])
		copy(s.pens[s.top+1:s.bot+1], s.pens[s.top:s.bot])
		s.clearRow(s.top)
	}
}

// params parses the numeric parameters; missing ones are 0.
func params(seq []byte) (private byte, ps []int) {
	str := string(seq)
	if str != "" && strings.ContainsRune("?<=>", rune(str[0])) {
		private, str = str[0], str[1:]
	}
	str = strings.TrimRight(str, " !\"#$%&'()*+,-./")
	for _, f := range strings.Split(str, ";") {
		f, _, _ = strings.Cut(f, ":")
		n, _ := strconv.Atoi(f)
		ps = append(ps, n)
	}
	return private, ps
}

func (s *screen) csi(final byte) {
	if final == 'm' && (len(s.seq) == 0 || s.seq[0] >= '0' && s.seq[0] <= ';') {
		s.sgr(s.seq)
		return
	}
	private, ps := params(s.seq)
	intermediate := len(s.seq) > 0 && s.seq[len(s.seq)-1] >= 0x20 && s.seq[len(s.seq)-1] <= 0x2f
	if private == '?' && (final == 'h' || final == 'l') {
		for _, m := range ps {
			if m == 1 {
				s.appCursor = final == 'h'
			}
		}
	}
	if private != 0 || intermediate {
		return // modes, queries, keyboard protocol, cursor style
	}
	p := func(i, def int) int {
		if i < len(ps) && ps[i] > 0 {
			return ps[i]
		}
		return def
	}
	clampX := func(x int) int { return min(max(0, x), s.w-1) }
	clampY := func(y int) int { return min(max(0, y), s.h-1) }
	s.wrapNext = false
	switch final {
	case 'A':
		s.y = clampY(s.y - p(0, 1))
	case 'B', 'e':
		s.y = clampY(s.y + p(0, 1))
	case 'C', 'a':
		s.x = clampX(s.x + p(0, 1))
	case 'D':
		s.x = clampX(s.x - p(0, 1))
	case 'E':
		s.x, s.y = 0, clampY(s.y+p(0, 1))
	case 'F':
		s.x, s.y = 0, clampY(s.y-p(0, 1))
	case 'G', '`':
		s.x = clampX(p(0, 1) - 1)
	case 'd':
		s.y = clampY(p(0, 1) - 1)
	case 'H', 'f':
		s.y, s.x = clampY(p(0, 1)-1), clampX(p(1, 1)-1)
	case 'J':
		switch p(0, 0) {
		case 0:
			s.eraseLine(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.clearRow(y)
			}
		case 1:
			for y := 0; y < s.y; y++ {
				s.clearRow(y)
			}
			s.eraseLine(s.y, 0, s.x+1)
		default:
			for y := range s.cells {
				s.clearRow(y)
			}
		}
	case 'K':
		switch p(0, 0) {
		case 0:
			s.eraseLine(s.y, s.x, s.w)
		case 1:
			s.eraseLine(s.y, 0, s.x+1)
		default:
			s.eraseLine(s.y, 0, s.w)
		}
	case 'X':
		s.eraseLine(s.y, s.x, s.x+p(0, 1))
	case 'b':
		for i := p(0, 1); i > 0 && s.last != 0; i-- {
			s.print(s.last)
		}
	case '@':
		n := min(p(0, 1), s.w-s.x)
		row, pens := s.cells[s.y], s.pens[s.y]
		copy(row[s.x+n:], row[s.x:s.w-n])
		copy(pens[s.x+n:], pens[s.x:s.w-n])
		for i := s.x; i < s.x+n; i++ {
			row[i], pens[i] = ' ', 0
		}
	case 'P':
		n := min(p(0, 1), s.w-s.x)
		row, pens := s.cells[s.y], s.pens[s.y]
		copy(row[s.x:], row[s.x+n:])
		copy(pens[s.x:], pens[s.x+n:])
		for i := s.w - n; i < s.w; i++ {
			row[i], pens[i] = ' ', 0
		}
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			return
		}
		top := s.top
		s.top = s.y
		if final == 'L' {
			s.scrollDown(min(p(0, 1), s.bot-s.y+1))
		} else {
			s.scrollUp(min(p(0, 1), s.bot-s.y+1))
		}
		s.top = top
		s.x = 0
	case 'S':
		s.scrollUp(min(p(0, 1), s.bot-s.top+1))
	case 'T':
		s.scrollDown(min(p(0, 1), s.bot-s.top+1))
	case 'r':
		top, bot := p(0, 1)-1, p(1, s.h)-1
		if top < bot && bot < s.h {
			s.top, s.bot = top, bot
		} else {
			s.top, s.bot = 0, s.h-1
		}
		s.x, s.y = 0, 0
	case 's':
		s.saveX, s.saveY = s.x, s.y
	case 'u':
		s.x, s.y = s.saveX, s.saveY
	}
}

func (s *screen) eraseLine(y, from, to int) {
	row, pens := s.cells[y], s.pens[y]
	for i := max(0, from); i < min(to, s.w); i++ {
		row[i], pens[i] = ' ', 0
	}
}
