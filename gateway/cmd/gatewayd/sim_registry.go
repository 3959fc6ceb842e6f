package main

import "context"

func runSimRegistry(ctx context.Context, args []string) error {
	return usageError{"not built yet"}
}
