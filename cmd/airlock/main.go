// Command airlock runs the airlock web application and its operator
// commands. With no subcommand it serves; with no configuration at all it
// starts a complete demo: sample workspaces, demo users and the reference
// jobs-site receiver in the same process. `airlock help` lists the
// subcommands.
package main

import (
	"context"
	"os"
)

func main() {
	err := run(withStdin(context.Background(), os.Stdin), os.Args, os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}
