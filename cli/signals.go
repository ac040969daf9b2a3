package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is cancelled by Ctrl-C: the provision commands, verify and
// `layers lock` stop there.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// sessionContext is cancelled by Ctrl-C, SIGTERM or the end of the
// terminal session (SIGHUP: a dropped SSH session), for the commands that
// must act on it rather than die: `layers fetch` removes its unfinished
// clones, `build` and `build attach` detach, `build stop` stops waiting.
func sessionContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}
