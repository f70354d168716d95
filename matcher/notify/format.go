package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The wire formats. Checked against the documentation and its examples
// (cited as the search of public pages found them):
//
//   - 企业微信 group robot: POST {"msgtype":"markdown","markdown":{"content":…}}
//     to the webhook URL (…/cgi-bin/webhook/send?key=…); the content is at
//     most 4096 bytes (errcode 40058 "markdown.content exceed max length
//     4096" otherwise), a robot takes at most 20 messages a minute
//     (developer.work.weixin.qq.com/document/path/91770; errcode 45009 "api
//     freq out of limit" when exceeded). The answer is
//     {"errcode":0,"errmsg":"ok"}.
//   - 钉钉 custom robot: POST {"msgtype":"markdown","markdown":{"title":…,
//     "text":…}}; with a signing secret (加签) the URL gets &timestamp=T&sign=S,
//     T the time in milliseconds and S the URL-encoded Base64 of
//     HMAC-SHA256 with the secret as key over "T\nsecret"
//     (open.dingtalk.com custom robot docs, as in the Python example
//     hmac.new(secret, f"{timestamp}\n{secret}", sha256) and quote_plus).
//     At most 20 messages a minute; past that the robot is limited for 10
//     minutes (errcode 130101 "send too fast", 410100).
//   - 飞书 custom bot: POST {"timestamp":"T","sign":S,"msg_type":"post",
//     "content":{"post":{"zh_cn":{"title":…,"content":[[{"tag":"text",…}],
//     [{"tag":"a","text":…,"href":…}]]}}}}; T in seconds, S the Base64 of
//     HMAC-SHA256 keyed with "T\nsecret" over an empty message
//     (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot: "把
//     timestamp + "\n" + 密钥 当做签名字符串，使用 HmacSHA256 算法计算签名"; its
//     Go example hmac.New(sha256.New, []byte(stringToSign)) over no data).
//     100 messages a minute and 5 a second, a body of at most 20 KB; code
//     11232 when rate limited, 19021 when the signature does not match.
//   - generic: the JSON payload with the Standard Webhooks headers
//     (standard-webhooks/standard-webhooks spec/standard-webhooks.md):
//     webhook-id (the same on every retry), webhook-timestamp (Unix
//     seconds of the attempt) and webhook-signature "v1,"+Base64 of
//     HMAC-SHA256 keyed with the Base64-decoded secret (after "whsec_")
//     over "id.timestamp.body". 2xx is success, 3xx a failure, 410 means
//     stop, 429 and Retry-After slow down.

// DingTalkSign returns the sign parameter of a 钉钉 robot's request at ts
// (Unix milliseconds), before URL encoding.
func DingTalkSign(secret string, ts int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FeishuSign returns the sign of a 飞书 bot's request at ts (Unix seconds).
func FeishuSign(secret string, ts int64) string {
	m := hmac.New(sha256.New, []byte(strconv.FormatInt(ts, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// StandardSignature returns the webhook-signature header of a generic
// message: "v1," and the Base64 HMAC-SHA256 of "id.ts.body" keyed with the
// decoded secret (whsec_…).
func StandardSignature(secret, id string, ts int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// secretKey decodes a Standard Webhooks secret: "whsec_" and the Base64
// (standard, padded or not) of 24 to 64 random bytes.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New(`must start with "whsec_" (a Standard Webhooks secret)`)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(raw)
	}
	if err != nil {
		return nil, errors.New(`must be "whsec_" and Base64`)
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("must hold 24 to 64 bytes after whsec_ (Base64), got %d", len(key))
	}
	return key, nil
}

// payload is a generic message's body.
type payload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      payloadData `json:"data"`
}

type payloadData struct {
	ID           string `json:"id"`
	Subscription string `json:"subscription"`
	Unit         string `json:"unit,omitempty"`
	Title        string `json:"title"`
	Text         string `json:"text"`
	Link         string `json:"link,omitempty"`
	// Events are the audit events told of (GET /v1/events has them).
	Events []uint64 `json:"events,omitempty"`
	// Lines are the first maxLines of what happened; LinesTotal counts
	// them all (GET /v1/events and /v1/claims have the rest).
	Lines      []Line `json:"lines"`
	LinesTotal int    `json:"lines_total,omitempty"`
}

// request builds the HTTP request of message m to sub at now.
func request(ctx context.Context, sub *Subscription, m *Message, now time.Time) (*http.Request, error) {
	var body []byte
	target := sub.URL
	header := http.Header{}
	header.Set("Content-Type", "application/json; charset=utf-8")
	header.Set("User-Agent", "allymatch-webhooks/1")
	header.Set("webhook-id", m.ID) // the robots ignore it; a proxy may drop duplicates by it
	var err error
	switch sub.Target {
	case WeCom:
		body, err = json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": markdown(WeCom, m.Title, m.lines, m.link)}})
	case DingTalk:
		body, err = json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": markdown(DingTalk, m.Title, m.lines, m.link)}})
		if sub.Secret != "" {
			ts := now.UnixMilli()
			u, perr := url.Parse(target)
			if perr != nil {
				return nil, perr
			}
			q := u.Query()
			q.Set("timestamp", strconv.FormatInt(ts, 10))
			q.Set("sign", DingTalkSign(sub.Secret, ts))
			u.RawQuery = q.Encode()
			target = u.String()
		}
	case Feishu:
		var paras [][]map[string]string
		for _, l := range m.lines {
			paras = append(paras, []map[string]string{{"tag": "text", "text": l}})
		}
		if m.link != "" {
			paras = append(paras, []map[string]string{{"tag": "a", "text": "打开联盟清单匹配", "href": m.link}})
		}
		msg := map[string]any{"msg_type": "post", "content": map[string]any{"post": map[string]any{"zh_cn": map[string]any{"title": m.Title, "content": paras}}}}
		if sub.Secret != "" {
			ts := now.Unix()
			msg["timestamp"] = strconv.FormatInt(ts, 10)
			msg["sign"] = FeishuSign(sub.Secret, ts)
		}
		body, err = json.Marshal(msg)
	default:
		body = m.payloadOf()
		ts := now.Unix()
		sig, serr := StandardSignature(sub.Secret, m.ID, ts, body)
		if serr != nil {
			return nil, serr
		}
		header.Set("webhook-id", m.ID)
		header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		header.Set("webhook-signature", sig)
	}
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("the URL does not make a request")
	}
	req.Header = header
	return req, nil
}

// outcome is what one attempt came to.
type outcome struct {
	ok     bool
	status int
	err    string        // what went wrong, for the desk (never the URL: it holds the robot's key)
	pause  time.Duration // rate-limited: no send to the target before this has passed
	gone   bool          // 410 Gone: the receiver wants no more
}

// maxAnswer bounds what is read of a receiver's answer.
const maxAnswer = 64 << 10

// robotAnswer is the JSON answer of the group robots: 企业微信 and 钉钉 say
// errcode/errmsg, 飞书 code/msg (and the older StatusCode/StatusMessage).
type robotAnswer struct {
	ErrCode       *int   `json:"errcode"`
	ErrMsg        string `json:"errmsg"`
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

// rateLimited reports whether a robot's error code says "too fast", and
// for how long it stops taking messages.
func rateLimited(t Target, code int, pause time.Duration) (time.Duration, bool) {
	switch {
	case t == WeCom && code == 45009:
		return pause, true
	case t == DingTalk && (code == 130101 || code == 410100):
		return max(pause, 10*time.Minute), true // 钉钉 limits a robot for 10 minutes
	case t == Feishu && (code == 11232 || code == 11233):
		return pause, true
	}
	return 0, false
}

// classify reads the answer to one attempt.
func classify(t Target, resp *http.Response, err error, now time.Time, pause time.Duration) outcome {
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error names the URL, which holds the robot's key
		}
		msg := err.Error()
		var pe *ErrPrivate
		if errors.As(err, &pe) {
			msg = pe.Error()
		} else if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "Client.Timeout") {
			msg = "timed out"
		}
		return outcome{err: msg}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	o := outcome{status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		o.err, o.pause = "429 Too Many Requests", retryAfter(resp.Header.Get("Retry-After"), now, pause)
		return o
	case resp.StatusCode == http.StatusGone:
		o.err, o.gone = "410 Gone: the receiver asks for no more messages", true
		return o
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	failed := func() outcome {
		o.err = resp.Status
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			o.pause = retryAfter(ra, now, 0)
		}
		return o
	}
	if !t.Robot() {
		if !ok {
			return failed()
		}
		o.ok = true
		return o
	}
	code, msg, coded := robotCode(data)
	switch {
	case coded && code != 0:
		// A robot's error code: with a 200 mostly, read the same with
		// another status.
		return robotError(t, o, code, msg, pause)
	case !ok:
		return failed()
	case !coded && !json.Valid(data):
		o.err = "the robot's answer is not JSON"
		return o
	}
	o.ok = true
	return o
}

// robotCode reads a robot's answer: its error code and message, and
// whether it has one.
func robotCode(data []byte) (code int, msg string, ok bool) {
	var a robotAnswer
	if json.Unmarshal(data, &a) != nil {
		return 0, "", false
	}
	switch {
	case a.ErrCode != nil:
		return *a.ErrCode, a.ErrMsg, true
	case a.Code != nil:
		return *a.Code, a.Msg, true
	case a.StatusCode != nil:
		return *a.StatusCode, a.StatusMessage, true
	}
	return 0, "", false
}

// robotError is the outcome of a robot's error code: a pause for its
// "too fast", a dead letter for a refusal, else a retry.
func robotError(t Target, o outcome, code int, msg string, pause time.Duration) outcome {
	o.err = fmt.Sprintf("the robot answered code %d: %s", code, truncateBytes(msg, 200))
	if p, ok := rateLimited(t, code, pause); ok {
		o.pause = p
	} else if fix, ok := refusal(t, code); ok {
		o.err, o.gone = o.err+" ("+fix+")", true
	}
	return o
}

// refusal reports whether a robot's error code says that its settings
// refuse the message, and what to fix: a key that is wrong or a robot
// removed from its group, a signature, keyword or address its security
// settings do not accept. Trying again does not help, and every message
// to the target would wait behind the attempts (in order per target): the
// message is a dead letter at once, sent again from the desk once the
// robot (or a new subscription) is right.
func refusal(t Target, code int) (string, bool) {
	const (
		key      = "the robot's address is wrong or the robot was removed from the group: connect it again"
		security = "the robot's security settings refuse it: the 加签 secret must match, a 自定义关键词 robot needs the keyword 联盟清单匹配, an IP list must hold this server's address"
		clock    = "the 签名校验 secret must match (and this server's clock be right within an hour)"
	)
	switch {
	case t == WeCom && code == 93000: // invalid webhook url
		return key, true
	case t == WeCom && code == 40058: // markdown.content exceed max length
		return "the message is longer than the robot takes", true
	case t == DingTalk && code == 300001: // token is not exist
		return key, true
	case t == DingTalk && code == 310000: // sign not match, keywords not in content, ip not in whitelist
		return security, true
	case t == Feishu && code == 19001: // param invalid: incoming webhook access token invalid
		return key, true
	case t == Feishu && code == 19021: // sign match fail or timestamp is not within one hour
		return clock, true
	case t == Feishu && (code == 19022 || code == 19024): // ip not allowed, key words not found
		return security, true
	}
	return "", false
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), def
// when there is none; at most a day.
func retryAfter(h string, now time.Time, def time.Duration) time.Duration {
	d := def
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 24*time.Hour)
}
