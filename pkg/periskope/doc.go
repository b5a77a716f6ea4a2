// Package periskope is a Go client for the Periskope API (tickets) and the
// types and verifier for Periskope webhooks. It uses only the standard
// library.
//
// A Client is safe for concurrent use. Build it once and share it:
//
//	c, err := periskope.New(
//		periskope.WithAPIKey("key"), // or WithKeyProvider, e.g. a secret cache
//		periskope.WithPhone("919876543210"),
//	)
//
// # Retries and timeouts
//
// Each attempt is bounded by RetryPolicy.AttemptTimeout, and no wait
// outlives the context's deadline. 429 answers are retried after the rate
// limit resets (Retry-After or X-RateLimit-Reset: see RateLimitReset), other
// failures after a jittered exponential backoff. CreateTicket is retried
// only where Periskope certainly did not process it (a 429, or NeverSent);
// reads and updates also after 5xx answers and timeouts. A 401 makes a
// KeyRefresher refresh its key once.
//
// # Phones and chats
//
// The x-phone header (WithPhone) is the number with country code as digits,
// or a phone id: see ValidatePhone. A chat is named "<phone>@c.us" for a
// person and "<digits>@g.us" for a group: IsChatID checks one,
// NormalizeChatID turns a bare number into one.
//
// # Errors
//
// A non-2xx answer is an *APIError, which matches ErrRedirected,
// ErrUnauthorized, ErrNotFound, ErrRateLimited, ErrInvalidRequest or
// ErrServer with errors.Is; redirects are never followed, so the API key
// goes nowhere but the base URL. A request the client refuses to send is a
// *ValidationError, a timed-out attempt matches context.DeadlineExceeded
// (IsTimeout), and an unreadable 2xx answer is ErrMalformedResponse.
//
// # Decoding
//
// Periskope's payloads are loosely typed, so the model types decode
// tolerantly: null, missing or mistyped members give zero values, unknown
// members are ignored, Priority accepts numbers and strings, and Time the
// several timestamp forms Periskope uses. Only input that is not JSON, not
// an object where one is required, or an object that repeats a member name
// fails; member names match exactly, case included. TicketInfo.Raw, TicketList.Raw
// and Event.Raw keep the exact bytes for lossless storage.
//
// # Webhooks
//
// Deliveries carry SignatureHeader, the hex HMAC-SHA256 of the raw body keyed
// with the organisation's signing key. Verify or VerifyHeaders checks it
// against one or more keys (for rotation) in constant time, before
// ParseEvent decodes the envelope; ConstructEvent does both. Sign produces
// the signature, for tests and local senders.
//
// Identifiers are the exception to tolerant decoding, as they become keys:
// ParseEvent refuses an event, event_type or org_id, and Event.TicketInfo a
// ticket_id or org_id, that is present but not a JSON string, or holds an
// unpaired surrogate escape that would decode to U+FFFD, with a *FieldError
// naming the member and wrapping ErrInvalidID; data sent as a JSON string
// must keep its text exactly too. event_type counts only when it names the
// event (event is missing). Ticket.CheckIDs applies the same rule to a
// ticket from ListTickets.
//
// A public endpoint should be cheap to refuse: ParseSignatures reads the
// candidates without a key (at most MaxSignatures, each 64 hex digits), so
// junk is refused before a signing key is fetched, and Signatures.Verify
// computes one HMAC per key however many candidates there are.
package periskope
