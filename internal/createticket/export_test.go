package createticket

import "github.com/periskope-connect/periskope-aws/pkg/periskope"

// NewPeriskopeClientDialing is newPeriskopeClient whose connections dial
// makes: the tests pass an in-memory test server's dialer, so the
// function's own transport (attempt counting included) can run inside a
// synctest bubble.
func NewPeriskopeClientDialing(cfg Config, keys periskope.KeyProvider, dial dialFunc) (*periskope.Client, error) {
	return newPeriskopeClient(cfg, keys, dial)
}

// IsChatID is the chat id check of ParseRequest.
var IsChatID = isChatID
