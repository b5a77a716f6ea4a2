package benchkit

import (
	"context"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
)

// Backends are what a measured function talks to: moto_server with the
// local table and secrets, a counting proxy in front of it (hand Proxy.URL
// to a function as AWS_ENDPOINT_URL to count its calls), and the Periskope
// sandbox.
type Backends struct {
	Moto    *motoserver.Server
	Proxy   *AWSProxy
	Sandbox *sandbox.Server
}

// StartBackends starts them on free 127.0.0.1 ports, moto's output going to
// dir/moto.log. Close stops them all.
func StartBackends(ctx context.Context, dir string) (_ *Backends, err error) {
	b := &Backends{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.Moto, err = motoserver.LaunchLocal(ctx, "127.0.0.1:0", filepath.Join(dir, "moto.log")); err != nil {
		return nil, err
	}
	if b.Proxy, err = StartAWSProxy(b.Moto.Endpoint); err != nil {
		return nil, err
	}
	if b.Sandbox, err = sandbox.Listen("127.0.0.1:0", sandbox.Config{APIKey: local.APIKey, OrgPhone: local.Phone}); err != nil {
		return nil, err
	}
	return b, nil
}

// Close stops whatever was started. Errors of closing listeners at the end
// of a run change nothing a report says, so they are dropped.
func (b *Backends) Close() {
	if b.Sandbox != nil {
		_ = b.Sandbox.Close()
	}
	if b.Proxy != nil {
		_ = b.Proxy.Close()
	}
	if b.Moto != nil {
		b.Moto.Stop()
	}
}
