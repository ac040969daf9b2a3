// Package templates embeds the text/template files fleetbake renders: BitBake
// conf fragments (bitbake/), kas exports (kas/) and AWS policy documents and
// the fleet provisioning template body (aws/). Keeping them as files lets a
// Yocto engineer read exactly what fleetbake writes without reading Go.
package templates

import "embed"

// FS holds every template file under this folder.
//
//go:embed *
var FS embed.FS
