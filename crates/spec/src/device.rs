//! Where a candidate runs: `cpu`, `cuda` (GPU 0), `cuda:N` or `auto` (GPU 0 when the
//! machine has one, else the CPU). Parsed here and nowhere else; the engine, the workers
//! and the torch learners all take this type or its canonical text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Device {
    Cpu,
    Cuda(u32),
    Auto,
}

impl Device {
    /// The GPU a device names; `auto` is resolved only when the learner starts.
    pub fn gpu(self) -> Option<u32> {
        match self {
            Device::Cuda(index) => Some(index),
            Device::Cpu | Device::Auto => None,
        }
    }

    pub const EXPECTED: &'static str = "`cpu`, `cuda`, `cuda:N` or `auto`";
}

impl FromStr for Device {
    type Err = String;

    fn from_str(text: &str) -> Result<Device, String> {
        match text {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            "auto" => Ok(Device::Auto),
            other => other
                .strip_prefix("cuda:")
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .and_then(|n| n.parse().ok())
                .map(Device::Cuda)
                .ok_or_else(|| format!("unknown device `{other}` (expected {})", Device::EXPECTED)),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(index) => write!(f, "cuda:{index}"),
            Device::Auto => f.write_str("auto"),
        }
    }
}

impl TryFrom<String> for Device {
    type Error = String;

    fn try_from(text: String) -> Result<Device, String> {
        text.parse()
    }
}

impl From<Device> for String {
    fn from(device: Device) -> String {
        device.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print_canonically() {
        assert_eq!("cuda".parse::<Device>(), Ok(Device::Cuda(0)));
        assert_eq!("cuda:3".parse::<Device>().map(|d| d.to_string()), Ok("cuda:3".to_string()));
        assert_eq!("auto".parse::<Device>().map(Device::gpu), Ok(None));
        assert!("cuda:".parse::<Device>().is_err());
        assert!("gpu".parse::<Device>().unwrap_err().contains("expected `cpu`, `cuda`"));
    }
}
