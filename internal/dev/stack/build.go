package stack

import (
	"context"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

// Build compiles AWS's Runtime Interface Emulator and every function of the
// template for this machine into binDir (lambdabuild.HostBuild, by logical
// id), with the flags of a deployed bootstrap (the deployed ones are
// linux/arm64; these run here).
func Build(ctx context.Context, root, binDir string) error {
	specs, err := Functions()
	if err != nil {
		return err
	}
	pkgs := map[string]string{}
	for _, spec := range specs {
		pkgs[spec.Name] = spec.Package
	}
	return lambdabuild.HostBuild(ctx, root, binDir, pkgs)
}
