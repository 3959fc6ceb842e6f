package main

import "context"

// wireInspection wires the inspection capability into the app.
func (a *app) wireInspection(ctx context.Context, d *deps) error {
	return nil
}
