package model

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Temporary files in flight are removed when the process is interrupted
// (Ctrl-C, a closed SSH session, kill): a killed `generate` must not leave
// a copy of local.conf behind. The handler is installed only while a
// temporary file exists, so the rest of the time every signal keeps its
// usual effect; after removing the files it stops listening and sends the
// signal again, so the process ends as it would have (or, when another part
// of fleetbake also listens, that part sees it and decides).

var temps struct {
	sync.Mutex
	names map[string]bool
	ch    chan os.Signal
}

// cleanupSignals are the signals that end fleetbake by default.
var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

func trackTemp(name string) {
	temps.Lock()
	defer temps.Unlock()
	if temps.names == nil {
		temps.names = map[string]bool{}
	}
	temps.names[name] = true
	if temps.ch == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, cleanupSignals...)
		temps.ch = ch
		go onSignal(ch)
	}
}

// ForgetTemp stops tracking a temporary file: it was renamed into place.
func ForgetTemp(name string) {
	temps.Lock()
	defer temps.Unlock()
	forgetTemp(name)
}

// forgetTemp is ForgetTemp with temps locked.
func forgetTemp(name string) {
	delete(temps.names, name)
	if len(temps.names) == 0 && temps.ch != nil {
		signal.Stop(temps.ch)
		close(temps.ch)
		temps.ch = nil
	}
}

func onSignal(ch chan os.Signal) {
	sig, ok := <-ch
	if !ok {
		return
	}
	temps.Lock()
	for name := range temps.names {
		os.Remove(name)
	}
	clear(temps.names)
	if temps.ch == ch {
		signal.Stop(ch)
		temps.ch = nil
	}
	temps.Unlock()
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
}

// ExchangeTemp is ExchangeFiles for a temporary file made by CreateTemp
// and the real file it replaces. Once exchanged, tmp holds the file that
// was in place (perhaps with an edit saved an instant before), so it stops
// being a temporary file to remove on a signal; both happen under the lock
// the signal handler takes, so Ctrl-C at any moment removes either
// fleetbake's new content or nothing, never the engineer's file.
func ExchangeTemp(tmp, real string) error {
	temps.Lock()
	defer temps.Unlock()
	err := ExchangeFiles(tmp, real)
	if err == nil {
		forgetTemp(tmp)
	}
	return err
}
