package main

import "context"

func runLoad(ctx context.Context, args []string) error {
	return usageError{"not built yet"}
}
