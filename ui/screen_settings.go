package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// settingsScreen asks for threads, download and sstate folders and the
// sharing settings teams use (sstate mirror, hash equivalence, PR server).
type settingsScreen struct {
	ctx  *Context
	form *form
	f    struct {
		threads, make, dlDir, sstateDir, mirrors, hashserve, upstream, prserv *formField
	}
}

func newSettingsScreen(c *Context) *settingsScreen {
	s := &settingsScreen{ctx: c, form: newForm(c)}
	f := s.form
	s.f.threads = f.text("shared.bb_number_threads", "BB_NUMBER_THREADS", "Tasks BitBake runs at once; empty: one per CPU.", "(one per CPU)")
	s.f.threads.check = checkCount
	s.f.make = f.text("shared.parallel_make", "PARALLEL_MAKE -j", "Jobs per make; empty: one per CPU.", "(one per CPU)")
	s.f.make.check = checkCount
	s.f.dlDir = f.text("shared.dl_dir", "DL_DIR", "Downloads folder; share it between builds to fetch once.", "(${TOPDIR}/downloads)")
	s.f.sstateDir = f.text("shared.sstate_dir", "SSTATE_DIR", "Shared state cache folder.", "(${TOPDIR}/sstate-cache)")
	s.f.mirrors = f.text("shared.sstate_mirrors", "SSTATE_MIRRORS", "e.g. file://.* http://host/sstate/PATH;downloadfilename=PATH", "(none)")
	s.f.hashserve = f.text("shared.hashserve", "BB_HASHSERVE", "Hash equivalence server: auto or host:port.", "(none)")
	s.f.upstream = f.text("shared.hashserve_upstream", "BB_HASHSERVE_UPSTREAM", "A team hash server to ask first, host:port.", "(none)")
	s.f.prserv = f.text("shared.prserv_host", "PRSERV_HOST", "PR service, host:port.", "(none)")
	return s
}

func checkCount(v string) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 4096 {
		return fmt.Errorf("%q is not a count: give a whole number from 1 to 4096, or leave it empty for the default", v)
	}
	return nil
}

func countString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (s *settingsScreen) Enter() tea.Cmd {
	sh := s.ctx.Project.Shared
	s.f.threads.SetValue(countString(sh.BBNumberThreads))
	s.f.make.SetValue(countString(sh.ParallelMake))
	s.f.dlDir.SetValue(sh.DLDir)
	s.f.sstateDir.SetValue(sh.SstateDir)
	s.f.mirrors.SetValue(sh.SstateMirrors)
	s.f.hashserve.SetValue(sh.HashServe)
	s.f.upstream.SetValue(sh.HashServeUpstream)
	s.f.prserv.SetValue(sh.PRServHost)
	for _, ff := range s.form.fields {
		ff.err = ""
	}
	return s.form.Start()
}

// store copies the valid answers into the project; it reports whether
// anything changed.
func (s *settingsScreen) store() bool {
	sh := &s.ctx.Project.Shared
	old := *sh
	set := func(ff *formField, dst *string) {
		if ff.err == "" {
			*dst = ff.Value()
		}
	}
	setN := func(ff *formField, dst *int) {
		if ff.err == "" && checkCount(ff.Value()) == nil {
			*dst, _ = strconv.Atoi(ff.Value())
		}
	}
	setN(s.f.threads, &sh.BBNumberThreads)
	setN(s.f.make, &sh.ParallelMake)
	set(s.f.dlDir, &sh.DLDir)
	set(s.f.sstateDir, &sh.SstateDir)
	set(s.f.mirrors, &sh.SstateMirrors)
	set(s.f.hashserve, &sh.HashServe)
	set(s.f.upstream, &sh.HashServeUpstream)
	set(s.f.prserv, &sh.PRServHost)
	return *sh != old
}

func (s *settingsScreen) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		cmd, _ := s.form.Update(msg)
		return cmd
	}
	if key.Matches(km, s.ctx.Keys.Back) {
		return back
	}
	focus := s.form.focus
	cmd, submit := s.form.Update(msg)
	if submit {
		s.store()
		return tea.Batch(cmd, s.ctx.SaveProject(), nextFrom(s))
	}
	if s.form.focus != focus && s.store() {
		return tea.Batch(cmd, s.ctx.SaveProject())
	}
	return cmd
}

func (s *settingsScreen) View(height int) string {
	w := max(10, s.ctx.Width-2)
	var head []string
	for _, l := range wrap("Empty fields keep BitBake's defaults. enter on the last field goes on.", w) {
		head = append(head, s.ctx.Styles.Subtle.Render(l))
	}
	head = append(head, "")
	return strings.Join(head, "\n") + "\n" + s.form.View(w, max(1, height-len(head)))
}

func (s *settingsScreen) Capturing() bool { return s.form.Capturing() }

func (s *settingsScreen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.Tab, k.Enter, k.Back, k.ForceQuit}
}

func (s *settingsScreen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Tab, k.ShiftTab, k.Enter}, {k.Back, k.ForceQuit}}
}
