//! The line buffer: the same lines whatever the segmentation (the first
//! byte picks the read size), and never more than its fixed memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mftp_protocol::{LineBuffer, ReadLineError};

fn lines(input: &[u8], step: usize) -> (Vec<Vec<u8>>, u8) {
    let mut buf = LineBuffer::new(4096, 4096);
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        let r = buf.read_line(|spare: &mut [u8]| {
            let n = step.min(spare.len()).min(input.len() - pos);
            spare[..n].copy_from_slice(&input[pos..pos + n]);
            pos += n;
            Ok::<usize, ()>(n)
        });
        match r {
            Ok(l) => {
                assert!(l.len() < 4096);
                out.push(l.to_vec());
            }
            Err(ReadLineError::Closed) => return (out, 0),
            Err(ReadLineError::Frame(_)) => return (out, 1),
            Err(ReadLineError::Read(())) => return (out, 2),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let step = usize::from(first).max(1);
    assert_eq!(lines(input, input.len().max(1)), lines(input, step));
});
