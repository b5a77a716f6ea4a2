package smoke

import "errors"

// Errors a check or the target lookup wraps.
var (
	// ErrRequest: a request could not be sent or its answer not read.
	ErrRequest = errors.New("no answer")
	// ErrSign: a request could not be signed (no AWS credentials?).
	ErrSign = errors.New("cannot sign the request")
	// ErrNoSigner: the Checker has no Signer for POST /tickets.
	ErrNoSigner = errors.New("no SigV4 signer configured")
	// ErrMissingOutput: the stack lacks an output the checks need.
	ErrMissingOutput = errors.New("stack output missing")
	// ErrSigningKey: the signing-key secret cannot be read or holds no key.
	ErrSigningKey = errors.New("no webhook signing key")
)
