package provision

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A rotate-claim killed part way leaves, depending on where it stopped:
// a second active claim certificate (the next one, made but not yet in
// place), its key claim.pkey.pem.next, or the old key kept as
// claim.pkey.pem.retired-<id>. The rotation that finished swapping the keys
// is completed by checkClaimCert; everything else is found here, shown in
// the plan, and settled by apply: the extra certificate is in no image, so
// it is deactivated (destroy deletes it), and the files are removed. A new
// rotate-claim keeps its own rotation under way (pv.rotating).

// checkLeftovers notes what an interrupted rotation left, on ob.
func (pv *Provisioner) checkLeftovers(ob *obs, cur, next *stateCert, pending *pendingCert, keyID string) {
	if pv.rotating {
		return
	}
	nextKey := pv.files.key + nextSuffix
	finishing := next != nil && keyID != "" && keyID == next.PublicKey
	if next != nil && !finishing {
		ob.deactivate = append(ob.deactivate, next.ID)
		ob.note(fixLeftovers, fmt.Sprintf("an interrupted rotate-claim left claim certificate %s active next to %s: it will be deactivated (destroy deletes it); run `fleetbake provision rotate-claim` again to rotate", short(next.ID), short(idOf(cur))))
	}
	if fileExists(nextKey) && !finishing && (next != nil || pending == nil) {
		ob.removeFiles = append(ob.removeFiles, nextKey)
		ob.note(fixLeftovers, fmt.Sprintf("%s is the key of an interrupted rotate-claim: it will be removed", nextKey))
	}
	// A hard link to a key that is either in place as claim.pkey.pem or
	// belongs to a certificate being retired: not needed either way.
	retired, _ := filepath.Glob(pv.files.key + ".retired-*")
	for _, f := range retired {
		ob.removeFiles = append(ob.removeFiles, f)
		ob.note(fixLeftovers, fmt.Sprintf("%s is a copy of a claim key an interrupted rotate-claim kept: it will be removed", f))
	}
}

func idOf(c *stateCert) string {
	if c == nil {
		return "no current certificate"
	}
	return c.ID
}

// settleNext deactivates a next certificate that apply recovered from an
// interrupted request (a rotate-claim killed while AWS made it).
func (a *applier) settleNext(ctx context.Context, c *stateCert) error {
	pv := a.pv
	if err := pv.retireCert(ctx, a.o.id, c.ID); err != nil {
		return err
	}
	if err := removeLeftoverFiles([]string{pv.files.key + nextSuffix}); err != nil {
		return err
	}
	pv.warn(fmt.Sprintf("an interrupted rotate-claim had made claim certificate %s: it is deactivated (destroy deletes it); run `fleetbake provision rotate-claim` again to rotate", short(c.ID)))
	return nil
}

// removeLeftoverFiles removes key files an interrupted rotation left.
func removeLeftoverFiles(files []string) error {
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove %s, left by an interrupted rotate-claim: %w; remove it by hand", f, err)
		}
	}
	return nil
}
