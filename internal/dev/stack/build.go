package stack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

// Build compiles AWS's Runtime Interface Emulator into EmulatorPath(binDir)
// and every function of the template for this machine into
// BootstrapPath(binDir, name), with the flags of a deployed bootstrap (the
// deployed ones are linux/arm64; these run here). The builds run side by
// side: each is mostly a link, and links are single-threaded.
func Build(ctx context.Context, root, binDir string) error {
	specs, err := Functions()
	if err != nil {
		return err
	}
	errs := make([]error, len(specs)+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := lambdabuild.Emulator(ctx, root, EmulatorPath(binDir)); err != nil {
			errs[0] = fmt.Errorf("building the Runtime Interface Emulator: %w", err)
		}
	})
	for i, spec := range specs {
		wg.Go(func() {
			dst := BootstrapPath(binDir, spec.Name)
			if err := lambdabuild.Bootstrap(ctx, root, spec.Package, lambdabuild.Host, dst); err != nil {
				errs[i+1] = fmt.Errorf("building %s (%s) into %s: %w", spec.Name, spec.Package, dst, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// BootstrapPath is where Build puts a function's binary.
func BootstrapPath(binDir, name string) string { return filepath.Join(binDir, name, "bootstrap") }

// EmulatorPath is where Build puts the Runtime Interface Emulator.
func EmulatorPath(binDir string) string { return filepath.Join(binDir, "aws-lambda-rie") }
