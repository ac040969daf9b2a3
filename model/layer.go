package model

// Layer is one BitBake layer, found on disk or known from the built-in catalog.
type Layer struct {
	Name       string // folder name, e.g. meta-aws
	Path       string // absolute folder holding conf/layer.conf; for a catalog layer not on disk, where `fleetbake layers fetch` puts it
	OnDisk     bool
	Collection string // BBFILE_COLLECTIONS, e.g. openembedded-layer
	Priority   int
	Version    string       // LAYERVERSION_<collection>
	Depends    []Dependency // LAYERDEPENDS_<collection>
	Recommends []Dependency // LAYERRECOMMENDS_<collection>
	// SeriesCompat is LAYERSERIES_COMPAT_<collection>: release code names.
	SeriesCompat []string
	Machines     []Machine
	Distros      []string
	Images       []string

	// From the catalog, when known: where to get the layer.
	GitURL string
	Subdir string // folder of the layer inside the repository ("" for the root)
	Repo   string // catalog repository name (poky, meta-openembedded); "" when unknown
}

// Dependency is one entry of LAYERDEPENDS or LAYERRECOMMENDS.
type Dependency struct {
	Collection string
	Constraint string // e.g. ">= 12", empty when none
}

// Machine is a conf/machine/<name>.conf of a layer.
type Machine struct {
	Name        string
	Description string // the #@DESCRIPTION line, or #@NAME when there is none
	Layer       string // the layer's Name
}

// Generation is which set of meta-aws fleet provisioning variables a tree reads.
type Generation string

const (
	GenerationUnknown Generation = ""
	// GenerationOld: GGV2_* variables inline in greengrass-bin, claim files via SRC_URI
	// (kirkstone, styhead, scarthgap before August 2025).
	GenerationOld Generation = "old"
	// GenerationNew: the greengrass-plugin-fleetprovisioning recipe and its
	// IOT_*/CLAIM_* variables (scarthgap from August 2025 and later releases).
	GenerationNew Generation = "new"
)
