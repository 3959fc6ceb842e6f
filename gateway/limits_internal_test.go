package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// TestStoreTurnFreesTheParsingTurn: a parsed declaration waiting for the
// database gives its turn to read and parse to the next one, while the
// bodies waiting stay within StoringBytes; with no room left, it keeps its
// turn (the turns then hold the line) and goes on, and room given back is
// room again.
func TestStoreTurnFreesTheParsingTurn(t *testing.T) {
	g := newGuard(Limits{MaxConcurrentIntake: 1, IntakeWait: 50 * time.Millisecond, StoringBytes: 100})
	ctx := context.Background()
	turn := func() func() {
		t.Helper()
		release, err := g.intakeTurn(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
		if err != nil {
			t.Fatalf("no turn: %v", err)
		}
		return release
	}
	free := func() bool { return len(g.intake) < cap(g.intake) }

	first := g.storeTurn(ctx, 60, turn())
	if !free() {
		t.Fatal("a parsed declaration kept its turn though there was room to wait for the database")
	}
	second := g.storeTurn(ctx, 60, turn()) // 120 > 100: no room within IntakeWait
	if free() {
		t.Fatal("a declaration gave up its turn without room among those waiting")
	}
	second()
	if !free() {
		t.Fatal("the turn kept was not given back")
	}
	first()
	third := g.storeTurn(ctx, 1<<20, turn()) // larger than the bound: weighs the bound
	if !free() {
		t.Fatal("room given back was not room again")
	}
	third()
	if !g.storing.TryAcquire(100) {
		t.Fatal("the room was not all given back")
	}
}
