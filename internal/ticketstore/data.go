package ticketstore

import (
	"bytes"
	"compress/gzip"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Attributes that hold a ticket's data, in one of its storage forms.
const (
	attrData             = "data"
	attrDataGzip         = "data_gz"
	attrDataEncoding     = "data_encoding"
	attrMembersTruncated = "members_truncated"
	encodingGzip         = "gzip"
)

// MaxDataBytes bounds what Gunzip decompresses, far above Lambda's 6 MB
// payloads: a damaged or forged attribute cannot make a reader allocate
// without bound.
const MaxDataBytes = 16 << 20

// ErrBadData is wrapped by DataOf's errors.
var ErrBadData = errors.New("ticketstore: unreadable data")

// DataOf returns the data of a ticket item whatever its storage form; it
// is the one reader of the forms.
func DataOf(item map[string]types.AttributeValue) ([]byte, error) {
	if v, ok := item[attrData].(*types.AttributeValueMemberS); ok {
		return []byte(v.Value), nil
	}
	gz, ok := item[attrDataGzip].(*types.AttributeValueMemberB)
	if !ok {
		return nil, fmt.Errorf("%w: neither %s nor %s", ErrBadData, attrData, attrDataGzip)
	}
	if enc, _ := item[attrDataEncoding].(*types.AttributeValueMemberS); enc == nil || enc.Value != encodingGzip {
		return nil, fmt.Errorf("%w: %s without %s %q", ErrBadData, attrDataGzip, attrDataEncoding, encodingGzip)
	}
	data, err := Gunzip(gz.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadData, attrDataGzip, err)
	}
	return data, nil
}

// Gunzip decompresses what Gzip wrote, at most MaxDataBytes of it.
func Gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxDataBytes+1))
	if err == nil && len(data) > MaxDataBytes {
		err = fmt.Errorf("more than %d bytes", MaxDataBytes)
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// Gzip compresses data as the table's gzipped attributes hold it (a
// ticket's data_gz, an idempotency record's response_body_gz).
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data) // a bytes.Buffer cannot fail
	_ = zw.Close()
	return buf.Bytes()
}

// withoutMembers returns data, a ticket info object or a JSON string
// holding one, with its chat's members object emptied ({}), or false when
// there is none. Every other byte of the object's text is kept; that it is
// no longer what was signed, members_truncated says.
func withoutMembers(data []byte) ([]byte, bool) {
	ev := periskope.Event{Type: EventTicketCreated, Data: data}
	info, err := ev.TicketInfo()
	if err != nil || info.Chat == nil {
		return nil, false
	}
	text := info.Raw
	start, end, ok := membersSpan(text)
	if !ok {
		return nil, false
	}
	cut := append(append(append(make([]byte, 0, len(text)-(end-start)+2), text[:start]...), "{}"...), text[end:]...)
	return cut, true
}

// membersSpan finds the offsets of chat.members in text, when an object.
func membersSpan(text []byte) (start, end int, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(text), jsontext.AllowInvalidUTF8(true))
	for dec.StackPointer() != "/chat/members" { // just past the name "members" of the top-level chat
		if _, err := dec.ReadToken(); err != nil {
			return 0, 0, false
		}
	}
	if dec.PeekKind() != '{' {
		return 0, 0, false
	}
	v, err := dec.ReadValue()
	if err != nil {
		return 0, 0, false
	}
	end = int(dec.InputOffset())
	return end - len(v), end, true
}
