// Package periskope is a client of Periskope's tickets API and a webhook
// verifier and parser (examples: go doc -ex). Models decode tolerantly: only
// a non-object, a repeated member or an inexact id fails; Raw keeps the bytes.
package periskope
