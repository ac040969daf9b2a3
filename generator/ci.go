package generator

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"text/template"

	"fleetbake/internal/lazyre"
	"fleetbake/model"
	"fleetbake/templates"
)

// CI engines `export ci` writes a pipeline for.
const (
	CIGitHub = "github"
	CIGitLab = "gitlab"
)

// DefaultKasImage is the kas container image the GitLab pipeline runs in:
// the image kas-container uses, at the kas release checked against the kas
// export (siemens/kas docs/userguide/getting-started.rst: "Use the container
// image in CI").
const DefaultKasImage = "ghcr.io/siemens/kas/kas:5.4"

// The CI secrets (GitHub) or file variables (GitLab) that hold the claim
// files; the pipeline writes them into a folder of the runner and names it
// in FLEETBAKE_CLAIM_DIR (ClaimDirEnv) for kas.
var ciClaimSecrets = []struct{ Name, File string }{
	{"FLEETBAKE_CLAIM_CERT", model.ClaimCertFile},
	{"FLEETBAKE_CLAIM_KEY", model.ClaimKeyFile},
	{"FLEETBAKE_CLAIM_ROOT_CA", model.ClaimRootFile},
}

var ciNameRE = lazyre.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// CIOptions says what `export ci` writes.
type CIOptions struct {
	Engine      string // CIGitHub or CIGitLab
	KasFile     string // the kas file in the repository, slash-separated, relative to the project folder
	RunnerLabel string // GitHub: runs-on
	KasImage    string // GitLab: the job image; "" for DefaultKasImage
}

// ciData feeds templates/ci/*.tmpl.
type ciData struct {
	Source      string
	KasFile     string
	RunnerLabel string
	KasImage    string
	Machine     string
	Image       string
	Claims      bool
	Secrets     []struct{ Name, File string }
	ClaimEnv    string
	Shared      []kasEnv // the [shared] servers, passed to kas as environment
	// The gate (templates/ci/gate.tmpl): the kas file's digest line, the
	// indent of the script block's lines, and the error prefix (GitHub's
	// ::error:: annotation).
	DigestComment string
	GateIndent    string
	ErrorPrefix   string
}

// ExportCI renders a CI pipeline that builds the project's image with kas
// from the kas export at opts.KasFile: the claim files from CI secrets, the
// [shared] servers as environment, the project file's digest recorded in
// the kas file as the gate (no fleetbake on the runner), and the image and an excerpt of the failures as artifacts.
func ExportCI(p *model.Project, opts CIOptions) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("generator: no project")
	}
	if err := checkInputText(p); err != nil {
		return nil, err
	}
	kf := strings.TrimPrefix(path.Clean(strings.ReplaceAll(opts.KasFile, `\`, "/")), "./")
	if opts.KasFile == "" || path.IsAbs(kf) || kf == ".." || strings.HasPrefix(kf, "../") {
		return nil, fmt.Errorf("export ci: the kas file %q must be a path inside the project folder (e.g. kas/fleetbake.yml), as the pipeline finds it in the repository", opts.KasFile)
	}
	d := ciData{
		Source:      path.Base(strings.ReplaceAll(source(p), `\`, "/")),
		KasFile:     kf,
		RunnerLabel: opts.RunnerLabel,
		KasImage:    opts.KasImage,
		Machine:     p.Machine,
		Image:       p.Image,
		Claims:      p.Greengrass.Enabled,
		Secrets:     ciClaimSecrets,
		ClaimEnv:    ClaimDirEnv,

		DigestComment: KasDigestComment,
	}
	for _, v := range []struct{ name, val string }{
		{"SSTATE_MIRRORS", p.Shared.SstateMirrors},
		{"BB_HASHSERVE", p.Shared.HashServe},
		{"BB_HASHSERVE_UPSTREAM", p.Shared.HashServeUpstream},
		{"PRSERV_HOST", p.Shared.PRServHost},
	} {
		if v.val != "" {
			d.Shared = append(d.Shared, kasEnv{Name: v.name, Default: v.val})
		}
	}
	// MACHINE and the image name are written into artifact paths as they
	// are; OE's own names are letters, digits and . _ + -.
	for _, f := range []struct{ field, v string }{{"machine", p.Machine}, {"image", p.Image}} {
		if !ciNameRE().MatchString(f.v) {
			return nil, &FieldValueError{Field: f.field, Value: f.v, Problem: "is not a plain name (letters, digits and . _ + -), which the pipeline's artifact paths need"}
		}
	}
	var name string
	switch opts.Engine {
	case CIGitHub:
		if strings.TrimSpace(opts.RunnerLabel) == "" {
			return nil, fmt.Errorf("export ci --github: name the runner with --runner-label: a Yocto build needs a large self-hosted or CodeBuild runner (meta-aws uses codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}), not a GitHub-hosted one")
		}
		name = "github.yml.tmpl"
		d.GateIndent, d.ErrorPrefix = strings.Repeat(" ", 10), "::error::"
	case CIGitLab:
		if d.KasImage == "" {
			d.KasImage = DefaultKasImage
		}
		name = "gitlab.yml.tmpl"
		d.GateIndent = strings.Repeat(" ", 6)
	default:
		return nil, fmt.Errorf("export ci: unknown CI %q; use --github or --gitlab", opts.Engine)
	}
	// Every value the pipeline carries goes through yaml (and, inside a
	// GitHub expression, ghstring); these are checked for one plain line.
	for _, f := range []struct{ what, v string }{
		{"the kas file path", d.KasFile}, {"the runner label", d.RunnerLabel}, {"the kas image", d.KasImage},
	} {
		if _, err := commentText(f.what, f.v); err != nil {
			return nil, err
		}
	}
	out, err := renderCI(name, d)
	if err != nil {
		return nil, err
	}
	return finishYAML(out)
}

var (
	ciOnce sync.Once
	ciTmpl *template.Template
	ciErr  error
)

// renderCI renders a pipeline template. Its delimiters are [[ ]], as a
// GitHub workflow is full of ${{ }}.
func renderCI(name string, d ciData) (string, error) {
	ciOnce.Do(func() {
		ciTmpl, ciErr = template.New("ci").Delims("[[", "]]").Option("missingkey=error").Funcs(template.FuncMap{
			"yaml":     yamlString,
			"ghstring": ghString,
			"comment":  commentText,
			"shquote":  shQuote,
		}).ParseFS(templates.FS, "ci/*.tmpl")
	})
	if ciErr != nil {
		return "", fmt.Errorf("templates: %w", ciErr)
	}
	var buf bytes.Buffer
	if err := ciTmpl.ExecuteTemplate(&buf, name, d); err != nil {
		var te *TextError
		if errors.As(err, &te) {
			return "", te
		}
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return buf.String(), nil
}

// ghString renders s as a string literal of a GitHub Actions expression
// ('...', a quote doubled), refusing what could end the expression or the
// line.
func ghString(s string) (string, error) {
	if p := textProblem(s); p != "" {
		return "", &TextError{What: "a value in the workflow", Text: s, Reason: p}
	}
	if strings.Contains(s, "}}") || strings.Contains(s, "${{") {
		return "", &TextError{What: "a value in the workflow", Text: s, Reason: "it contains }} or ${{, which GitHub reads as the end or start of an expression"}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

// shQuote renders s as one single-quoted shell word.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
