-- Choices a person makes in one session for one workspace, such as showing
-- the outputs of actions no longer in the pipeline, which are hidden by
-- default. They end with the session and go when it is pruned.
CREATE TABLE session_workspace_options (
    session_id       TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    workspace        TEXT NOT NULL,
    show_out_of_date INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, workspace)
);
