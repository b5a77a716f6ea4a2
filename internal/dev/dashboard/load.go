package dashboard

import (
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// TemplateFile is the SAM template, relative to the module root.
const TemplateFile = "template.yaml"

// Load builds the dashboard of the repository at root: template.yaml, and
// the metrics its functions (stack.Functions) emit.
func Load(root string) (*Dashboard, error) {
	src, err := LoadSources(root)
	if err != nil {
		return nil, err
	}
	return Build(src)
}

// LoadSources reads what Build needs from the repository at root.
func LoadSources(root string) (Sources, error) {
	t, err := ReadTemplate(filepath.Join(root, TemplateFile))
	if err != nil {
		return Sources{}, err
	}
	specs, err := stack.Functions()
	if err != nil {
		return Sources{}, err
	}
	mains := make([]string, len(specs))
	for i, f := range specs {
		mains[i] = f.Package
	}
	emitted, emfNames, err := EmittedMetrics(root, mains)
	if err != nil {
		return Sources{}, err
	}
	src := Sources{Template: t, Emitted: emitted}
	for i, f := range specs {
		src.Functions = append(src.Functions, FunctionName{ID: f.Name, EMF: emfNames[i]})
	}
	return src, nil
}
