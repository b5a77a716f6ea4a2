// Package local holds the few values only the local system owns (ports,
// resource names, keys, region, phone); everything else about it comes
// from template.yaml (package deployment).
package local

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Host is the only address the local system listens on.
const Host = "127.0.0.1"

// FreeAddr returns Host with a port that was free a moment ago, for a child
// process that must be told where to listen (it may lose the port to
// another before it binds: callers retry). It never hands out a port that
// it, or FreeAddr in another process of this machine, handed out in the
// last minute: the system may give a just-closed port to the next bind,
// and two children told the same port would find each other listening
// there, so that a wait for the second to listen (AwaitListening) succeeds
// while it is failing. Test binaries run side by side, hence a reservation
// the whole machine sees: a file per port in the temporary directory.
func FreeAddr() (string, error) {
	for range 1000 {
		ln, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
		if err != nil {
			return "", err
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		if reserve(addr) {
			return addr, nil
		}
	}
	return "", fmt.Errorf("no free port on %s that was not handed out in the last minute", Host)
}

// reserve claims addr for a minute: it creates the port's file, or takes
// over one older than that.
func reserve(addr string) bool {
	dir := filepath.Join(os.TempDir(), "periskope-aws-ports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return true // nowhere to record it: as good as a plain free port
	}
	name := filepath.Join(dir, strings.ReplaceAll(addr, ":", "_"))
	if f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		return f.Close() == nil
	}
	fi, err := os.Stat(name)
	if err != nil || time.Since(fi.ModTime()) < time.Minute {
		return false
	}
	now := time.Now()
	return os.Chtimes(name, now, now) == nil
}

// AwaitListening polls until each of addrs accepts connections (a child
// told where to listen is ready); it fails when exited closes first, ctx
// ends or limit passes.
func AwaitListening(ctx context.Context, exited <-chan struct{}, limit time.Duration, addrs ...string) error {
	deadline := time.Now().Add(limit)
	for _, addr := range addrs {
		for {
			conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				_ = conn.Close()
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("exited before listening on %s", addr)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("not listening on %s after %s", addr, limit)
			}
		}
	}
	return nil
}

// Default ports of `make run` (docs/local.md).
const (
	APIPort     = 3000
	SandboxPort = 4010
	MotoPort    = 5000
)

// Region is where moto_server keeps the local resources.
const Region = "us-east-1"

// Local names of the stack's resources, and the values of its secrets.
const (
	Table            = "periskope-tickets"
	APIKeySecret     = "periskope/local/api-key"
	APIKey           = "local-api-key"
	SigningKeySecret = "periskope/local/signing-key"
	SigningKey       = "local-signing-key"
)

// Phone is create-ticket's PERISKOPE_PHONE and the sandbox organisation's.
const Phone = "919876543210"

// AWSConfig is the SDK configuration of a client of the local system's
// moto_server at endpoint: the local region and dummy credentials (moto
// accepts any; signing needs some).
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	}
}

// OrDefault is v, or def when v is not positive: a zero or negative count,
// size or duration in a config means "the default".
func OrDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
