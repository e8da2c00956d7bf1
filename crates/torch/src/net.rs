//! The networks and their training loop (libtorch).

use learn::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Scores, Update};
use serde_json::{Map, Value};
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::params::{Architecture, NetParams};

pub const MLP: LearnerKind = LearnerKind {
    name: "torch.mlp",
    params: crate::params::MLP_PARAMS,
    accepts_device: true,
    accepts_missing: false,
    build: |params, device| Ok(Box::new(TorchNet::from_params(Architecture::Mlp, params, device)?)),
};

pub const CNN: LearnerKind = LearnerKind {
    name: "torch.cnn",
    params: crate::params::CNN_PARAMS,
    accepts_device: true,
    accepts_missing: false,
    build: |params, device| Ok(Box::new(TorchNet::from_params(Architecture::Cnn, params, device)?)),
};

/// Mini-batch epochs over shuffled rows; the mean loss of each epoch, or why it diverged.
fn run_epochs(
    net: &dyn ModuleT,
    optimizer: &mut nn::Optimizer,
    x: &Tensor,
    y: &Tensor,
    epochs: usize,
    params: &NetParams,
) -> Result<Vec<f64>, LearnError> {
    let rows = x.size()[0];
    let device = x.device();
    let batch = params.batch_size.min(rows);
    let mut losses = Vec::with_capacity(epochs);
    for epoch in 0..epochs {
        let order = Tensor::randperm(rows, (Kind::Int64, device));
        let mut total = Tensor::zeros([], (Kind::Float, device));
        let mut start = 0;
        while start < rows {
            let length = batch.min(rows - start);
            let index = order.narrow(0, start, length);
            let logits = net.forward_t(&x.index_select(0, &index), true);
            let loss = logits.cross_entropy_for_logits(&y.index_select(0, &index));
            optimizer.backward_step(&loss);
            total += loss.detach() * length;
            start += length;
        }
        // One read per epoch: a loss that is not finite ends the trial with its reason.
        let mean_loss = total.double_value(&[]) / rows as f64;
        losses.push(mean_loss);
        if !mean_loss.is_finite() {
            return Err(LearnError::Diverged(format!(
                "the mean training loss became {mean_loss} in epoch {} (learning rate {})",
                epoch + 1,
                params.learning_rate
            )));
        }
    }
    Ok(losses)
}

/// `cpu`, `cuda`, `cuda:N` or `auto` (CUDA when available).
pub fn parse_device(device: &str) -> Result<Device, String> {
    Ok(match device.parse::<spec::Device>()? {
        spec::Device::Cpu => Device::Cpu,
        spec::Device::Cuda(index) => Device::Cuda(index as usize),
        spec::Device::Auto => Device::cuda_if_available(),
    })
}

/// A network learner: its architecture, hyperparameters, device and, once fitted, weights.
pub struct TorchNet {
    pub architecture: Architecture,
    pub params: NetParams,
    pub device_name: String,
    fitted: Option<Fitted>,
    /// The mean training loss of each epoch of the last fit.
    pub epoch_losses: Vec<f64>,
}

struct Fitted {
    device: Device,
    vs: nn::VarStore,
    net: Box<dyn ModuleT>,
    /// Per-feature standardisation, on the device.
    mean: Tensor,
    inv_std: Tensor,
    cols: i64,
    parameters: i64,
    /// Kept with its state (Adam's moments) for a warm-started update.
    optimizer: nn::Optimizer,
}

// SAFETY: tch tensors and modules are used from one thread at a time by the worker; the
// `Learner` trait needs Send + Sync for learners that parallelise internally.
unsafe impl Send for Fitted {}
unsafe impl Sync for Fitted {}

impl std::fmt::Debug for TorchNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TorchNet")
            .field("architecture", &self.architecture)
            .field("params", &self.params)
            .finish()
    }
}

impl TorchNet {
    pub fn from_params(
        architecture: Architecture,
        map: &Map<String, Value>,
        device: &str,
    ) -> Result<TorchNet, Vec<ParamError>> {
        let params = crate::params::parse(architecture, map, device)?;
        Ok(TorchNet {
            architecture,
            params,
            device_name: device.to_string(),
            fitted: None,
            epoch_losses: Vec::new(),
        })
    }

    fn fitted(&self) -> &Fitted {
        self.fitted.as_ref().expect("predict after fit")
    }

    fn build(&self, root: &nn::Path<'_>, cols: i64, classes: i64) -> Result<Box<dyn ModuleT>, LearnError> {
        let dropout = self.params.dropout;
        match self.architecture {
            Architecture::Mlp => {
                let mut seq = nn::seq_t();
                let mut width = cols;
                for (i, &h) in self.params.hidden.iter().enumerate() {
                    seq = seq.add(nn::linear(root / format!("dense{i}"), width, h, Default::default()));
                    let activation = self.params.activation;
                    seq = seq.add_fn(move |x| match activation {
                        "tanh" => x.tanh(),
                        "sigmoid" => x.sigmoid(),
                        _ => x.relu(),
                    });
                    if dropout > 0.0 {
                        seq = seq.add_fn_t(move |x, train| x.dropout(dropout, train));
                    }
                    width = h;
                }
                seq = seq.add(nn::linear(root / "output", width, classes, Default::default()));
                Ok(Box::new(seq))
            }
            Architecture::Cnn => {
                let side = (cols as f64).sqrt().round() as i64;
                if side * side != cols || side < 4 {
                    return Err(LearnError::InvalidData(format!(
                        "torch.cnn needs square images; {cols} features are not a square of side >= 4"
                    )));
                }
                let channels = &self.params.channels;
                let mut seq = nn::seq_t().add_fn(move |x| x.view([-1, 1, side, side]));
                let mut in_channels = 1;
                let mut size = side;
                for (i, &c) in channels.iter().enumerate() {
                    let conv = nn::conv2d(
                        root / format!("conv{i}"),
                        in_channels,
                        c,
                        3,
                        nn::ConvConfig { padding: 1, ..Default::default() },
                    );
                    seq = seq.add(conv).add_fn(|x| x.relu());
                    if size >= 4 {
                        seq = seq.add_fn(|x| x.max_pool2d_default(2));
                        size /= 2;
                    }
                    in_channels = c;
                }
                let flat = in_channels * size * size;
                seq = seq.add_fn(|x| x.flatten(1, -1));
                let mut width = flat;
                for (i, &h) in self.params.hidden.iter().enumerate() {
                    seq = seq
                        .add(nn::linear(root / format!("dense{i}"), width, h, Default::default()))
                        .add_fn(|x| x.relu());
                    if dropout > 0.0 {
                        seq = seq.add_fn_t(move |x, train| x.dropout(dropout, train));
                    }
                    width = h;
                }
                seq = seq.add(nn::linear(root / "output", width, classes, Default::default()));
                Ok(Box::new(seq))
            }
        }
    }

    fn inputs(&self, x: &[f32], cols: usize) -> Tensor {
        let fitted = self.fitted();
        let rows = (x.len() / cols) as i64;
        let tensor = Tensor::from_slice(x).view([rows, cols as i64]).to_device(fitted.device);
        (tensor - &fitted.mean) * &fitted.inv_std
    }
}

impl Learner for TorchNet {
    fn fit(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<(), LearnError> {
        learn::check_table(train, n_classes)?;
        let device = parse_device(&self.device_name).map_err(LearnError::Backend)?;
        if let Device::Cuda(index) = device
            && !(tch::Cuda::is_available() && (index as i64) < tch::Cuda::device_count())
        {
            return Err(LearnError::Backend(format!(
                "device `{}` is not available: no CUDA device {index}",
                self.device_name
            )));
        }
        // The worker sized rayon's pool to the trial's threads; libtorch uses as many.
        tch::set_num_threads(rayon::current_num_threads() as i32);
        tch::manual_seed(seed as i64);
        if device.is_cuda() {
            tch::Cuda::manual_seed_all(seed);
        }
        let (rows, cols) = (train.rows as i64, train.cols as i64);
        let x = Tensor::from_slice(&train.x).view([rows, cols]).to_device(device);
        let y =
            Tensor::from_slice(&train.y.iter().map(|&c| i64::from(c)).collect::<Vec<_>>()).to_device(device);
        let mean = x.mean_dim(0, true, Kind::Float);
        let std = x.std_dim(0, false, true);
        let inv_std = std.clamp_min(1e-6).reciprocal();
        let x = (x - &mean) * &inv_std;

        let vs = nn::VarStore::new(device);
        let net = self.build(&vs.root(), cols, n_classes as i64)?;
        let mut optimizer = match self.params.optimizer {
            "sgd" => {
                nn::Sgd { momentum: self.params.momentum, wd: self.params.weight_decay, ..Default::default() }
                    .build(&vs, self.params.learning_rate)
            }
            _ => nn::Adam { wd: self.params.weight_decay, ..Default::default() }
                .build(&vs, self.params.learning_rate),
        }
        .map_err(|e| LearnError::Backend(e.to_string()))?;
        self.epoch_losses =
            run_epochs(net.as_ref(), &mut optimizer, &x, &y, self.params.epochs, &self.params)?;
        let parameters = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
        self.fitted = Some(Fitted { device, vs, net, mean, inv_std, cols, parameters, optimizer });
        Ok(())
    }

    /// Continues training the fitted network with its optimizer's state for
    /// `update_epochs` epochs over all rows, standardised as in the first fit.
    fn update(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<Update, LearnError> {
        let Some(fitted) = self.fitted.as_mut().filter(|f| f.cols == train.cols as i64) else {
            self.fit(train, n_classes, seed)?;
            return Ok(Update::Refit);
        };
        learn::check_table(train, n_classes)?;
        tch::manual_seed(seed as i64 ^ 0x5eed);
        let (rows, cols) = (train.rows as i64, train.cols as i64);
        let x = Tensor::from_slice(&train.x).view([rows, cols]).to_device(fitted.device);
        let x = (x - &fitted.mean) * &fitted.inv_std;
        let y = Tensor::from_slice(&train.y.iter().map(|&c| i64::from(c)).collect::<Vec<_>>())
            .to_device(fitted.device);
        let epochs = self.params.update_epochs;
        let losses = run_epochs(fitted.net.as_ref(), &mut fitted.optimizer, &x, &y, epochs, &self.params)?;
        self.epoch_losses.extend(losses);
        Ok(Update::WarmStart(format!(
            "{epochs} epochs over all {} rows from the fitted weights, the optimizer's state kept (the fit took {})",
            train.rows, self.params.epochs
        )))
    }

    fn predict_scores(&self, x: &[f32], cols: usize) -> Option<Scores> {
        let fitted = self.fitted();
        let mut values = Vec::with_capacity(x.len() / cols);
        tch::no_grad(|| {
            for part in x.chunks(8192 * cols) {
                let logits = fitted.net.forward_t(&self.inputs(part, cols), false);
                let probabilities = logits.softmax(1, Kind::Float).to_device(Device::Cpu).flatten(0, -1);
                values.extend(Vec::<f32>::try_from(&probabilities).unwrap_or_default());
            }
        });
        Some(Scores { values, kind: "softmax probabilities" })
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        let fitted = self.fitted();
        assert_eq!(cols as i64, fitted.cols, "feature count differs from training");
        let rows = x.len() / cols;
        let mut out = Vec::with_capacity(rows);
        let chunk = 8192 * cols;
        tch::no_grad(|| {
            for part in x.chunks(chunk) {
                let logits = fitted.net.forward_t(&self.inputs(part, cols), false);
                let classes = logits.argmax(1, false).to_device(Device::Cpu);
                let classes: Vec<i64> = Vec::<i64>::try_from(&classes).expect("argmax gives integers");
                out.extend(classes.into_iter().map(|c| c as u32));
            }
        });
        out
    }

    fn to_bytes(&self) -> Vec<u8> {
        // The weights as float32 (what `model_size` counts), then the standardisation.
        let fitted = self.fitted();
        let mut named: Vec<(String, Tensor)> = fitted.vs.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named.push(("mean".into(), fitted.mean.shallow_clone()));
        named.push(("inv_std".into(), fitted.inv_std.shallow_clone()));
        let mut bytes = Vec::new();
        for (_, tensor) in &named {
            let flat = tensor.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1);
            let values = Vec::<f32>::try_from(&flat).unwrap_or_default();
            bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        }
        bytes
    }

    fn facts(&self) -> ModelFacts {
        ModelFacts { parameters: Some(self.fitted().parameters as u64), ..ModelFacts::default() }
    }

    fn synchronize(&self) {
        let device = self.fitted.as_ref().map(|f| f.device).or_else(|| parse_device(&self.device_name).ok());
        if let Some(Device::Cuda(index)) = device {
            tch::Cuda::synchronize(index as i64);
        }
    }

    fn prepare_runtime(&self) {
        // libtorch's CPU allocator and thread pool (and a CUDA context) come up on first use.
        tch::set_num_threads(rayon::current_num_threads() as i32);
        if let Ok(device) = parse_device(&self.device_name) {
            let _ = Tensor::zeros([1], (Kind::Float, device)).sum(Kind::Float).double_value(&[]);
        }
    }

    fn gpu(&self) -> Option<u32> {
        match parse_device(&self.device_name) {
            Ok(Device::Cuda(index)) => Some(index as u32),
            _ => None,
        }
    }
}
