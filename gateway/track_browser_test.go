package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jjj/gateway/internal/customs"
)

// chromiumPath is Debian's chromium. The browser test needs it and fails
// without it: .ci/run installs it (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// artifactDir keeps the screenshots of the browser test (the root
// .gitignore keeps them out of git).
const artifactDir = "testdata/artifacts"

// TestTrackInABrowser drives the tracking page in headless Chromium as a
// clerk would: sign in, list, filter, open a declaration, switch language,
// and on a phone's screen; it keeps screenshots as artifacts.
func TestTrackInABrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser test needs Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	b := setupEnterprise(t)
	hazchem := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(1), entA)
	coal := b.submit(t, "import-coal-thermal.xml", ref(2), entA)
	food := b.submit(t, "import-food-beef-registered.xml", ref(3), entA)
	machinery := b.submit(t, "import-ordinary-machinery.xml", ref(4), entA)
	other := b.submit(t, "import-ordinary-machinery.xml", ref(9), entB)
	b.setStatus(t, hazchem, "delivered", "reviewcentre")
	b.setStatus(t, hazchem, "inspection_required", "reviewcentre")
	b.setStatus(t, hazchem, "under_inspection", "bureau:130000")
	b.setStatus(t, machinery, "delivered", "reviewcentre")
	b.setStatus(t, machinery, "released", "reviewcentre")
	b.setStatus(t, coal, "delivered", "reviewcentre")
	_ = food
	keyA := b.key(t, customs.CallerEnterprise, entA)

	dir, err := filepath.Abs(artifactDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)

	parent, stop := context.WithTimeout(context.Background(), 3*time.Minute)
	defer stop()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	navigate := func(what string, step chromedp.Action[chromedp.Void]) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, step)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if resp.Status >= 400 {
			t.Fatalf("%s: HTTP %d", what, resp.Status)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	contains := func(where, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", where, w, got)
			}
		}
	}

	// Sign in through the form, in Chinese.
	navigate("open /track", chromedp.Navigate(b.srv.URL+"/track?lang=zh"))
	run("sign-in form", chromedp.WaitVisible(chromedp.ID("key")))
	contains("sign-in page", text("main"), "企业登录", "API 密钥")
	shot("track-signin.png")
	run("type the key", chromedp.SendKeys(chromedp.ID("key"), keyA))
	navigate("sign in", chromedp.Click(chromedp.CSS(`form[action="/track/signin"] button`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, keyA) || !strings.HasSuffix(loc, "/track") {
		t.Errorf("after sign-in the address is %q", loc)
	}

	// The list: A's four, never B's.
	run("list", chromedp.WaitVisible(chromedp.CSS("ul.decls")))
	list := text("main")
	contains("list", list, "我的报关单", ref(1), ref(2), ref(3), ref(4), "查验中", "已放行", "已送审", "已受理")
	if strings.Contains(list, ref(9)) {
		t.Errorf("the list shows another enterprise's declaration")
	}
	shot("track-list.png")

	// Filter: released only.
	navigate("filter released", chromedp.Click(chromedp.CSS(`a.chip.st-released`)))
	run("filtered list", chromedp.WaitVisible(chromedp.CSS("ul.decls")))
	filtered := text("ul.decls")
	contains("released filter", filtered, ref(4), "已放行")
	for _, r := range []string{ref(1), ref(2), ref(3)} {
		if strings.Contains(filtered, r) {
			t.Errorf("the released filter shows %s", r)
		}
	}

	// Open the hazardous chemical: status, timeline, reasons in words.
	navigate("all", chromedp.Click(chromedp.CSS(`nav.filters a.chip`)))
	navigate("open a declaration", chromedp.Click(chromedp.CSS(`a[href="/track/declarations/`+hazchem+`"]`)))
	run("timeline", chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	detail := text("main")
	contains("declaration page", detail, ref(1), "查验中", "办理进度", "需查验", "已送审", "已受理",
		"危险化学品不宜在码头开箱取样", "审单中心", "天津口岸", "石家庄海关检验检疫", "氰化钠", "目的地检验")
	steps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.timeline > li").length`))
	if err != nil || steps != 4 {
		t.Errorf("timeline steps %d, %v; want 4", steps, err)
	}
	shot("track-detail-zh.png")

	// The same in English.
	navigate("switch language", chromedp.Click(chromedp.CSS("a.lang")))
	run("english", chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	contains("English page", text("main"), "Under inspection", "Timeline", "Hazardous chemicals that are unsafe to open and sample at the quay",
		"Unified review centre", "Tianjin port", "Inspection at the destination")
	shot("track-detail-en.png")

	// Another enterprise's declaration, by its address: not found.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.srv.URL+"/track/declarations/"+other+"?lang=zh"))
	if err != nil || resp.Status != 404 {
		t.Fatalf("another enterprise's declaration: %v, %v; want 404", resp, err)
	}
	contains("other's declaration", text("main"), "找不到该报关单")
	if strings.Contains(text("body"), ref(9)) {
		t.Error("another enterprise's declaration leaked")
	}

	// On a phone: one column, nothing wider than the screen.
	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	navigate("phone list", chromedp.Navigate(b.srv.URL+"/track"))
	run("phone list", chromedp.WaitVisible(chromedp.CSS("ul.decls")))
	shot("track-list-phone.png")
	navigate("phone detail", chromedp.Navigate(b.srv.URL+"/track/declarations/"+hazchem))
	run("phone detail", chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
	if err != nil || !fits {
		t.Errorf("the declaration page is wider than a phone's screen (%v)", err)
	}
	shot("track-detail-phone.png")

	// Sign out: back to the form, and the list is gone.
	navigate("sign out", chromedp.Click(chromedp.CSS(`form[action="/track/signout"] button`)))
	run("signed out", chromedp.WaitVisible(chromedp.ID("key")))
	if strings.Contains(text("body"), ref(1)) {
		t.Error("after sign-out the page still shows declarations")
	}
}
