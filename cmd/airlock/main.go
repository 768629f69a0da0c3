// Command airlock runs the airlock web application. With no configuration
// it starts a complete demo: sample workspaces, demo users and the
// reference jobs-site receiver in the same process.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "airlock:", err)
		os.Exit(1)
	}
}
