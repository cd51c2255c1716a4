//! One benchmark's result as criterion saved it
//! (`<group>/<bench>/new/{estimates,benchmark,sample}.json`): its median,
//! the bytes it moves and the spread of its samples, shown as MiB/s or µs.

use std::path::Path;

use serde_json::Value;

/// A benchmark's median time per iteration and the bytes it moves, if any.
pub struct Measured {
    median_ns: f64,
    bytes: Option<f64>,
    /// Fastest and slowest sample, ns per iteration (`sample.json`).
    range_ns: Option<(f64, f64)>,
}

impl Measured {
    pub fn load(dir: &Path, id: &str) -> Option<Self> {
        // `group/name/param` is filed there, but older versions of these
        // benches filed it as `group/name_param`: take the newer.
        let flat = match id.split_once('/') {
            Some((group, rest)) => format!("{group}/{}", rest.replace('/', "_")),
            None => id.to_owned(),
        };
        let modified = |candidate: &str| {
            std::fs::metadata(dir.join(candidate).join("new").join("estimates.json"))
                .and_then(|m| m.modified())
                .ok()
        };
        let id = [id, flat.as_str()]
            .into_iter()
            .filter_map(|candidate| Some((modified(candidate)?, candidate)))
            .max()
            .map(|(_, candidate)| candidate)?;
        let read = |file: &str| -> Option<Value> {
            let bytes = std::fs::read(dir.join(id).join("new").join(file)).ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let estimates = read("estimates.json")?;
        let median_ns = estimates["median"]["point_estimate"].as_f64()?;
        let bytes = read("benchmark.json").and_then(|b| {
            let t = &b["throughput"];
            t["Bytes"].as_f64().or_else(|| t["BytesDecimal"].as_f64())
        });
        let range_ns = read("sample.json").and_then(|sample| {
            let iters = sample["iters"].as_array()?;
            let times = sample["times"].as_array()?;
            let per_iter = iters
                .iter()
                .zip(times)
                .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?));
            per_iter.fold(None, |range: Option<(f64, f64)>, x| {
                Some(range.map_or((x, x), |(low, high)| (low.min(x), high.max(x))))
            })
        });
        Some(Self {
            median_ns,
            bytes,
            range_ns,
        })
    }

    /// MiB/s when bytes move, else µs per iteration, for `ns` per
    /// iteration.
    fn value_of(&self, ns: f64) -> f64 {
        match self.bytes {
            Some(bytes) => bytes / (ns / 1e9) / (1024.0 * 1024.0),
            None => ns / 1e3,
        }
    }

    /// The value of the median.
    pub fn value(&self) -> f64 {
        self.value_of(self.median_ns)
    }

    pub fn show(&self) -> String {
        match self.bytes {
            Some(_) => format!("{:.0} MiB/s", self.value()),
            None => format!("{:.1} µs", self.value()),
        }
    }

    /// The median and the range of the samples: `812 MiB/s (790–840)`.
    pub fn show_spread(&self) -> String {
        let Some((fast, slow)) = self.range_ns else {
            return self.show();
        };
        let (a, b) = (self.value_of(fast), self.value_of(slow));
        let (low, high) = (a.min(b), a.max(b));
        match self.bytes {
            Some(_) => format!("{:.0} MiB/s ({low:.0}–{high:.0})", self.value()),
            None => format!("{:.1} µs ({low:.1}–{high:.1})", self.value()),
        }
    }
}
