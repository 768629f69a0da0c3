package browsertest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Frame is the document shown in an iframe of a person's page, read and
// driven as the person would: clicking its links, typing into its fields.
// Get one with Person.Frame once the page holding the iframe has loaded,
// and again after that page navigates or reloads; navigations inside the
// frame (ClickNav) keep it valid.
//
// Chrome runs a frame whose document has an opaque origin, such as an
// iframe sandboxed without allow-same-origin, in a process of its own, as
// a separate target of type "iframe". Queries from the page do not reach
// into such a frame (chromedp.FromNode finds nothing), so Frame attaches to
// its target. A same-origin frame stays in the page's process and Frame
// queries it from the iframe element. The methods behave the same either
// way; OutOfProcess says which case it is.
type Frame struct {
	p      *Person
	sel    string      // the iframe element in the page
	id     cdp.FrameID // the frame, which keeps its id across navigations
	remote *Person     // attached to the frame's own target, when it has one
}

// Frame returns the frame shown by the iframe element matching sel, once
// its document has loaded.
func (p *Person) Frame(sel string) *Frame {
	p.t.Helper()
	f := &Frame{p: p, sel: sel}
	deadline := time.Now().Add(StepTimeout)
	for {
		n := f.element()
		f.id = n.FrameID
		if doc := n.ContentDocument; doc != nil && doc.DocumentURL != "" && doc.DocumentURL != "about:blank" {
			return f
		}
		infos, err := chromedp.Targets(p.ctx)
		if err != nil {
			p.fail("list the browser's targets", err)
		}
		for _, in := range infos {
			if in.Type == "iframe" && string(in.TargetID) == string(n.FrameID) {
				// Detach on cancel: closing the frame's target could
				// close the tab.
				ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(in.TargetID), chromedp.WithDetachOnCancel())
				p.t.Cleanup(cancel)
				// Attach with ctx itself, not a timeout child: the
				// session lasts as long as the context of the first Run.
				if err := chromedp.Do(ctx); err != nil {
					p.fail("attach to the frame "+sel, err)
				}
				f.remote = &Person{Name: p.Name, b: p.b, t: p.t, ctx: ctx, tab: p}
				return f
			}
		}
		if time.Now().After(deadline) {
			p.fail("find the document of the frame "+sel, context.DeadlineExceeded)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// OutOfProcess reports whether Chrome runs the frame in a process of its
// own, as it does for a document with an opaque origin.
func (f *Frame) OutOfProcess() bool { return f.remote != nil }

// element returns the iframe element's node as the page has it now.
func (f *Frame) element() *chromedp.Node {
	f.p.t.Helper()
	return Get(f.p, "find the frame "+f.sel, chromedp.Nodes(chromedp.CSS(f.sel)))[0]
}

// on returns who runs actions in the frame and the query options that
// point them into its current document.
func (f *Frame) on() (*Person, []chromedp.QueryOption) {
	f.p.t.Helper()
	if f.remote != nil {
		return f.remote, nil
	}
	return f.p, []chromedp.QueryOption{chromedp.FromNode(f.element())}
}

// frameGet runs a query action built by mk inside the frame.
func frameGet[T any](f *Frame, what string, mk func(opts ...chromedp.QueryOption) chromedp.Action[T]) T {
	f.p.t.Helper()
	who, opts := f.on()
	return Get(who, what+" in the frame", mk(opts...))
}

// Text returns the visible text of the first element matching sel in the
// frame, waiting for it to exist.
func (f *Frame) Text(sel string) string {
	f.p.t.Helper()
	return strings.TrimSpace(frameGet(f, "read text of "+sel, func(o ...chromedp.QueryOption) chromedp.Action[string] {
		return chromedp.Text(chromedp.CSS(sel), o...)
	}))
}

// HTML returns the markup of the first element matching sel in the frame,
// waiting for it to exist.
func (f *Frame) HTML(sel string) string {
	f.p.t.Helper()
	return frameGet(f, "read markup of "+sel, func(o ...chromedp.QueryOption) chromedp.Action[string] {
		return chromedp.OuterHTML(chromedp.CSS(sel), o...)
	})
}

// Count returns how many elements match sel in the frame now, without
// waiting.
func (f *Frame) Count(sel string) int {
	f.p.t.Helper()
	return len(frameGet(f, "count "+sel, func(o ...chromedp.QueryOption) chromedp.Action[[]*chromedp.Node] {
		return chromedp.Nodes(chromedp.CSSAll(sel), append(o, chromedp.AtLeast(0))...)
	}))
}

// Attr returns an attribute of the first element matching sel in the frame
// ("" when it has none).
func (f *Frame) Attr(sel, name string) string {
	f.p.t.Helper()
	return frameGet(f, "read "+name+" of "+sel, func(o ...chromedp.QueryOption) chromedp.Action[chromedp.AttributeResult] {
		return chromedp.AttributeValue(chromedp.CSS(sel), name, o...)
	}).Value
}

// Style returns a computed style property of the first element matching
// sel in the frame, such as "position".
func (f *Frame) Style(sel, property string) string {
	f.p.t.Helper()
	props := frameGet(f, "read the style of "+sel, func(o ...chromedp.QueryOption) chromedp.Action[[]*css.ComputedStyleProperty] {
		return chromedp.ComputedStyle(chromedp.CSS(sel), o...)
	})
	for _, p := range props {
		if p.Name == property {
			return p.Value
		}
	}
	return ""
}

// Box returns the border box of the first element matching sel in the
// frame: its top-left corner and size, in the frame's coordinates.
func (f *Frame) Box(sel string) (x, y, width, height float64) {
	f.p.t.Helper()
	m := frameGet(f, "measure "+sel, func(o ...chromedp.QueryOption) chromedp.Action[*dom.BoxModel] {
		return chromedp.Dimensions(chromedp.CSS(sel), o...)
	})
	return m.Border[0], m.Border[1], float64(m.Width), float64(m.Height)
}

// ScrollIntoView scrolls the first element matching sel in the frame into
// view, as a person scrolling the table would.
func (f *Frame) ScrollIntoView(sel string) {
	f.p.t.Helper()
	frameGet(f, "scroll to "+sel, func(o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
		return chromedp.ScrollIntoView(chromedp.CSS(sel), o...)
	})
}

// Click clicks the first element matching sel in the frame once it is
// visible.
func (f *Frame) Click(sel string) {
	f.p.t.Helper()
	frameGet(f, "click "+sel, func(o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(sel), append(o, chromedp.NodeVisible)...)
	})
}

// Type focuses a field in the frame and types text into it as keystrokes.
func (f *Frame) Type(sel, text string) {
	f.p.t.Helper()
	frameGet(f, "type into "+sel, func(o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
		return chromedp.SendKeys(chromedp.CSS(sel), text, append(o, chromedp.NodeVisible)...)
	})
}

// ClickNav clicks an element in the frame that navigates the frame (a link,
// a submit button), waits until the frame has loaded the new document and
// returns its response. Pass a key (from chromedp/kb) as also to press it
// after the click instead, for example to submit a form with Enter from the
// field just clicked.
func (f *Frame) ClickNav(sel string, also ...string) *network.Response {
	f.p.t.Helper()
	act := func(o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
		steps := []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(sel), append(o, chromedp.NodeVisible)...)}
		for _, k := range also {
			steps = append(steps, chromedp.KeyEvent(k))
		}
		return chromedp.Steps(steps...)
	}
	what := "click " + sel + " in the frame"
	if f.remote != nil {
		return f.remote.Nav(what, act())
	}
	// A frame in the page's process: follow its own navigation through
	// the page's events.
	ctx, cancel := context.WithTimeout(f.p.ctx, StepTimeout)
	defer cancel()
	var mu sync.Mutex
	var resp *network.Response
	done := make(chan struct{})
	var once sync.Once
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	err := chromedp.Listen(lctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if ev.FrameID == f.id && ev.Type == network.ResourceTypeDocument {
				mu.Lock()
				resp = ev.Response
				mu.Unlock()
			}
		case *page.EventFrameStoppedLoading:
			if ev.FrameID == f.id {
				once.Do(func() { close(done) })
			}
		}
	})
	if err == nil {
		_, opts := f.on()
		err = chromedp.Do(ctx, act(opts...))
	}
	if err == nil {
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if err == nil && resp == nil {
		err = errors.New("the frame did not load a new document")
	}
	if err != nil {
		f.p.fail(what, err)
	}
	return resp
}

// Screenshot saves a full-page PNG of the tab holding the frame (see
// Person.Screenshot).
func (f *Frame) Screenshot(name string) string {
	f.p.t.Helper()
	if f.remote != nil {
		// Headless Chrome can capture a frame that runs in its own
		// process before it has laid itself out at its size: the
		// picture shows it empty or at the iframe's default 300×150.
		// A first capture and a layout inside the frame (scrolling its
		// body into view, which moves nothing) get it painted.
		ctx, cancel := context.WithTimeout(f.p.ctx, StepTimeout)
		_, _ = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		_ = f.remote.Try(chromedp.ScrollIntoView(chromedp.CSS("body")))
	}
	return f.p.Screenshot(name)
}
