//! `mftp-grade`: grades a whole class of mftp/1 servers with the
//! conformance suite (`conformance::class`; README: "Grading a class").

fn main() {
    conformance::class::cli::main();
}
