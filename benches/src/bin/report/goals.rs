//! The rows of the main table: each benchmark figure, the baseline it is
//! divided by (measured in the same run), and the goal its ratio must
//! reach, if it has one.

/// What a ratio must reach.
#[derive(Clone, Copy)]
pub enum Goal {
    AtLeast(f64),
    AtMost(f64),
}

impl Goal {
    pub fn text(self) -> String {
        match self {
            Goal::AtLeast(x) => format!("≥ {x:.2}"),
            Goal::AtMost(x) => format!("≤ {x:.2}"),
        }
    }

    pub fn met(self, ratio: f64) -> bool {
        match self {
            Goal::AtLeast(x) => ratio >= x,
            Goal::AtMost(x) => ratio <= x,
        }
    }
}

/// One line of the table: a figure and the baseline it is divided by.
pub struct Row {
    pub label: &'static str,
    pub figure: &'static str,
    pub baseline: &'static str,
    pub goal: Option<Goal>,
}

const fn row(
    label: &'static str,
    figure: &'static str,
    baseline: &'static str,
    goal: Option<Goal>,
) -> Row {
    Row {
        label,
        figure,
        baseline,
        goal,
    }
}

pub const ROWS: &[Row] = &[
    row(
        "download 4 KiB",
        "download/4KiB",
        "baseline/download/4KiB",
        Some(Goal::AtLeast(0.9)),
    ),
    // The floor of any server that confines names (a lookup and a reply
    // line on top of the plain transfer), and the server against it.
    row(
        "download 4 KiB ÷ plain + name lookup + reply line",
        "download/4KiB",
        "baseline/download_named/4KiB",
        None,
    ),
    row(
        "plain + name lookup + reply line, 4 KiB (the floor)",
        "baseline/download_named/4KiB",
        "baseline/download/4KiB",
        None,
    ),
    // The floor of an mftp/1 server: the text command read and parsed too,
    // with the same client as the reference server.
    row(
        "download 4 KiB ÷ the least mftp/1 server",
        "download/4KiB",
        "baseline/download_least_mftp/4KiB",
        None,
    ),
    row(
        "the least mftp/1 server ÷ plain, 4 KiB",
        "baseline/download_least_mftp/4KiB",
        "baseline/download/4KiB",
        None,
    ),
    row(
        "download 1 MiB",
        "download/1MiB",
        "baseline/download/1MiB",
        None,
    ),
    row(
        "download 64 MiB",
        "download/64MiB",
        "baseline/download/64MiB",
        None,
    ),
    row(
        "download 1 GiB",
        "download/1GiB",
        "baseline/download/1GiB",
        Some(Goal::AtLeast(0.9)),
    ),
    row(
        "upload 4 KiB (incl. fsync)",
        "upload/4KiB",
        "baseline/upload/4KiB",
        None,
    ),
    row(
        "upload 1 MiB (incl. fsync)",
        "upload/1MiB",
        "baseline/upload/1MiB",
        None,
    ),
    row(
        "upload 64 MiB (incl. fsync)",
        "upload/64MiB",
        "baseline/upload/64MiB",
        None,
    ),
    row(
        "upload 1 GiB (incl. fsync)",
        "upload/1GiB",
        "baseline/upload/1GiB",
        None,
    ),
    row(
        "upload 4 KiB vs. disk: write, fsync",
        "upload/4KiB",
        "baseline/write_fsync/4KiB",
        None,
    ),
    row(
        "upload 1 GiB vs. disk: write, fsync",
        "upload/1GiB",
        "baseline/write_fsync/1GiB",
        None,
    ),
    // A durable upload is bound by the disk, not by loopback (which moved
    // 2.0 GiB/s on 2026-11-25 and 5.2 on 2026-11-30 while the disk wrote
    // 1.2–1.4), and this disk stalls for seconds: no goal here. The goal
    // for uploads is beside vsftpd, measured in turns (`peers`).
    row(
        "upload 1 GiB vs. disk: early writeback",
        "upload/1GiB",
        "baseline/write_fsync_early/1GiB",
        None,
    ),
    row(
        "`size` round trip",
        "roundtrip/size",
        "baseline/echo",
        Some(Goal::AtMost(1.5)),
    ),
    row(
        "`size` round trip vs. epoll echo",
        "roundtrip/size",
        "baseline/echo_epoll",
        None,
    ),
    row(
        "`size` round trip vs. echo in its own process",
        "roundtrip/size",
        "baseline/echo_process",
        None,
    ),
    row(
        "`size` round trip vs. tokio echo",
        "roundtrip/size",
        "baseline/echo_tokio",
        None,
    ),
    row(
        "100 pipelined `size` (per batch)",
        "roundtrip/size_pipelined_100",
        "baseline/echo_pipelined_100",
        None,
    ),
    row(
        "connect + greeting",
        "roundtrip/connect",
        "baseline/connect",
        Some(Goal::AtMost(1.5)),
    ),
    row(
        "64 clients × 1 MiB download",
        "concurrent/download_64x1MiB",
        "baseline/download_64x1MiB",
        Some(Goal::AtLeast(0.9)),
    ),
    row(
        "64 MiB download, 1,000 idle conns",
        "concurrent/idle_1000_download_64MiB",
        "baseline/download/64MiB",
        None,
    ),
    row(
        "`ls` of 10,000 entries",
        "ls/10000",
        "baseline/readdir_10000",
        None,
    ),
    // `peers`: the baseline is vsftpd, in the same run, in turns.
    row(
        "1 GiB download, cached: reference ÷ vsftpd",
        "peers/download/mftp",
        "peers/download/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "1 GiB durable upload, cold memory: reference ÷ vsftpd + fsync",
        "peers/upload_cold/mftp",
        "peers/upload_cold/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "1 GiB durable upload, warm memory: reference ÷ vsftpd + fsync",
        "peers/upload_warm/mftp",
        "peers/upload_warm/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "`size` round trip, default logging: reference ÷ vsftpd `SIZE`",
        "peers/size/mftp",
        "peers/size/vsftpd",
        Some(Goal::AtMost(1.0)),
    ),
    row(
        "`size` round trip, default logging ÷ pinned echo",
        "peers/size/mftp",
        "peers/size/echo",
        Some(Goal::AtMost(1.3)),
    ),
    // `scale`.
    row(
        "`size` round trip, 10,000 idle conns open ÷ none",
        "scale/size_idle/10000",
        "scale/size_idle/0",
        Some(Goal::AtMost(1.2)),
    ),
    row(
        "1,000 clients × (64 KiB upload + download)",
        "scale/updown_1000x64KiB",
        "baseline/updown_1000x64KiB",
        None,
    ),
];
