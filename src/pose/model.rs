//! Loading the pose models: the ONNX Runtime library, the model manifest,
//! checksums and signatures.
//!
//! Every model file is verified when it is loaded: its SHA-256 against
//! `models/manifest.toml`, then its input and output names and shapes
//! against what the engine's pre- and post-processing assume. A mismatch is a
//! [`ModelError`] that says what to do, never a panic deep in decoding.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::memory::Allocator;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{IoBinding, Session};
use ort::value::Tensor;
use ort::AsPointer;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// File name of the ONNX Runtime shared library the engine loads.
pub const ORT_LIBRARY: &str = "libonnxruntime.so.1.31.1";
/// The command that installs everything the engine needs.
pub const SETUP_COMMAND: &str = "make setup";

/// Errors while loading the runtime or a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The ONNX Runtime shared library is not where it was looked for.
    #[error("ONNX Runtime library not found at {path}: run `{SETUP_COMMAND}` (or set ORT_DYLIB_PATH to a {ORT_LIBRARY})")]
    RuntimeMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The ONNX Runtime shared library exists but could not be loaded.
    #[error(
        "cannot load ONNX Runtime from {path}: {message}; run `{SETUP_COMMAND}` to reinstall it"
    )]
    RuntimeLoad {
        /// The library file.
        path: PathBuf,
        /// What the loader said.
        message: String,
    },
    /// The manifest is missing or malformed.
    #[error("model manifest {path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A model file is missing.
    #[error("model file {path} is missing: {hint}")]
    ModelMissing {
        /// The expected file.
        path: PathBuf,
        /// How to get it.
        hint: String,
    },
    /// A model file does not have the checksum the manifest records.
    #[error("model file {path} is corrupt or not the expected model (SHA-256 {actual}, manifest says {expected}): {hint}")]
    Checksum {
        /// The model file.
        path: PathBuf,
        /// SHA-256 from the manifest.
        expected: String,
        /// SHA-256 of the file.
        actual: String,
        /// How to restore it.
        hint: String,
    },
    /// A model's inputs or outputs are not what the engine expects.
    #[error("model {path} has an unexpected signature: {message}")]
    Signature {
        /// The model file.
        path: PathBuf,
        /// Which input or output differs, and how.
        message: String,
    },
    /// The image buffers of a model's input could not be allocated.
    #[error("cannot allocate image buffers: {0}")]
    Buffers(#[from] opencv::Error),
    /// The back's outline was asked of a landmark model built without a
    /// segmentation.
    #[error("the {0:?} landmark model has no segmentation variant: use the full or lite model to measure the back's outline")]
    NoSegmentation(ModelKind),
    /// ONNX Runtime failed to create a session or to run it.
    #[error("ONNX Runtime failed on {path}: {source}")]
    Runtime {
        /// The model file.
        path: PathBuf,
        /// The runtime's error.
        source: ort::Error,
    },
}

/// Which BlazePose landmark model to run: bigger is more accurate and slower.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// `pose_landmark_lite` (MediaPipe `model_complexity=0`).
    Lite,
    /// `pose_landmark_full` (MediaPipe `model_complexity=1`).
    Full,
    /// `pose_landmark_heavy` (MediaPipe `model_complexity=2`), built on demand.
    Heavy,
}

impl ModelKind {
    /// The manifest name of this landmark model.
    pub fn manifest_name(self) -> &'static str {
        match self {
            ModelKind::Lite => "pose_landmark_lite",
            ModelKind::Full => "pose_landmark_full",
            ModelKind::Heavy => "pose_landmark_heavy",
        }
    }

    /// The manifest name of this landmark model with its segmentation
    /// output kept; `None` where none is built (heavy).
    pub fn segmentation_name(self) -> Option<&'static str> {
        match self {
            ModelKind::Lite => Some("pose_landmark_lite_segmentation"),
            ModelKind::Full => Some("pose_landmark_full_segmentation"),
            ModelKind::Heavy => None,
        }
    }
}

/// Manifest name of the person detector.
pub const DETECTOR_NAME: &str = "pose_detection";

/// One model of `models/manifest.toml`.
#[derive(Clone, Debug, Deserialize)]
pub struct ManifestEntry {
    /// Model name (`pose_detection`, `pose_landmark_full`...).
    pub name: String,
    /// ONNX file name, relative to the manifest.
    pub file: String,
    /// Whether the file is committed (the heavy model is built on demand).
    pub committed: bool,
    /// Registry package the original model comes from.
    pub source_package: String,
    /// Path of the original model inside that package.
    pub source_file: String,
    /// Licence of the model.
    pub license: String,
    /// SHA-256 of the original TFLite file.
    pub tflite_sha256: String,
    /// SHA-256 of the converted ONNX file.
    pub onnx_sha256: String,
    /// How it was converted.
    pub converted_with: String,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    model: Vec<ManifestEntry>,
}

/// Where the models and their manifest live.
#[derive(Clone, Debug)]
pub struct ModelStore {
    dir: PathBuf,
    entries: Vec<ManifestEntry>,
}

impl ModelStore {
    /// The data folder's `models/`, or `FORMCHECK_MODELS` if set.
    pub fn default_dir() -> PathBuf {
        std::env::var_os("FORMCHECK_MODELS")
            .map_or_else(|| crate::data_dir::path("models"), PathBuf::from)
    }

    /// Reads `manifest.toml` in `dir`.
    pub fn open(dir: &Path) -> Result<ModelStore, ModelError> {
        let path = dir.join("manifest.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| ModelError::Manifest {
            path: path.clone(),
            message: format!("{e}; restore it with `git checkout models/`"),
        })?;
        let manifest: Manifest = toml::from_str(&text).map_err(|e| ModelError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(ModelStore {
            dir: dir.to_path_buf(),
            entries: manifest.model,
        })
    }

    /// The manifest entry called `name`.
    pub fn entry(&self, name: &str) -> Result<&ManifestEntry, ModelError> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| ModelError::Manifest {
                path: self.dir.join("manifest.toml"),
                message: format!("no model named `{name}`"),
            })
    }

    /// Path of model `name`, after checking that it exists and that its
    /// SHA-256 is the manifest's.
    pub fn verified_path(&self, name: &str) -> Result<PathBuf, ModelError> {
        let entry = self.entry(name)?;
        let path = self.dir.join(&entry.file);
        let hint = if entry.committed {
            "restore it with `git checkout models/` or rebuild it with `make models`".to_string()
        } else {
            format!("build it with `make models-heavy` (it is not committed: {name})")
        };
        let bytes = std::fs::read(&path).map_err(|_| ModelError::ModelMissing {
            path: path.clone(),
            hint: hint.clone(),
        })?;
        let actual = hex(&Sha256::digest(&bytes));
        if actual != entry.onnx_sha256 {
            return Err(ModelError::Checksum {
                path,
                expected: entry.onnx_sha256.clone(),
                actual,
                hint,
            });
        }
        Ok(path)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Path of the ONNX Runtime library: `ORT_DYLIB_PATH`, else the data
/// folder's `onnxruntime/` (installed) or `.cache/onnxruntime/` (where
/// `make setup` puts it in a source tree).
pub fn runtime_library_path() -> PathBuf {
    std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || {
            crate::data_dir::first_of(&[
                &format!("onnxruntime/{ORT_LIBRARY}"),
                &format!(".cache/onnxruntime/{ORT_LIBRARY}"),
            ])
        },
        PathBuf::from,
    )
}

static RUNTIME: OnceLock<Result<Environment, String>> = OnceLock::new();

/// The environment variable that keeps ONNX Runtime's telemetry off: read
/// by the library as it loads (its environment option alone still looked
/// up Microsoft's telemetry host and queued events under
/// `~/.cache/Microsoft`).
const TELEMETRY_OFF: (&str, &str) = ("ORT_DISABLE_TELEMETRY", "1");

/// The process-wide ONNX Runtime environment, loading the library on first
/// use, with its telemetry off: nothing leaves the machine.
pub fn runtime() -> Result<&'static Environment, ModelError> {
    let path = runtime_library_path();
    if !path.is_file() {
        return Err(ModelError::RuntimeMissing { path });
    }
    let env = RUNTIME.get_or_init(|| {
        // Before the library is loaded: none of its threads exist yet.
        std::env::set_var(TELEMETRY_OFF.0, TELEMETRY_OFF.1);
        ort::init_from(&path)
            .map_err(|e| e.to_string())?
            .with_name("formcheck")
            .with_telemetry(false)
            .build()
            .map_err(|e| e.to_string())
    });
    env.as_ref().map_err(|message| ModelError::RuntimeLoad {
        path,
        message: message.clone(),
    })
}

/// The name, element count and shape a model input or output must have.
#[derive(Clone, Copy, Debug)]
pub struct TensorSpec {
    /// Name in the ONNX graph.
    pub name: &'static str,
    /// Exact shape.
    pub shape: &'static [i64],
}

/// What a model must look like: one float input, float outputs.
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    /// The image input.
    pub input: TensorSpec,
    /// The outputs the engine reads, in the order it reads them.
    pub outputs: &'static [TensorSpec],
}

/// A verified model with its input and output tensors bound once and
/// reused for every run.
pub struct BoundModel {
    path: PathBuf,
    session: Session,
    binding: IoBinding,
    input: Tensor<f32>,
    outputs: Vec<Tensor<f32>>,
}

impl BoundModel {
    /// Loads and verifies model `name` of `store`, with `threads` intra-op
    /// threads.
    pub fn load(
        store: &ModelStore,
        name: &str,
        spec: &ModelSpec,
        threads: usize,
    ) -> Result<BoundModel, ModelError> {
        let path = store.verified_path(name)?;
        let env = runtime()?;
        let rt = |source: ort::Error| ModelError::Runtime {
            path: path.clone(),
            source,
        };
        let session = Session::builder(env)
            .and_then(|b| Ok(b.with_optimization_level(GraphOptimizationLevel::All)?))
            .and_then(|b| Ok(b.with_intra_threads(threads)?))
            .and_then(|b| Ok(b.with_inter_threads(1)?))
            // Idle intra-op threads block rather than spin: the engine
            // always shares the cores with other threads (decoding, drawing,
            // encoding), which spinning starved (BENCHMARKS.md).
            .and_then(|b| Ok(b.with_intra_op_spinning(false)?))
            .and_then(|mut b| b.commit_from_file(&path))
            .map_err(rt)?;
        check_signature(&path, &session, spec)?;

        let allocator = Allocator::default();
        let mut binding = session.create_binding().map_err(rt)?;
        let input = Tensor::<f32>::new(&allocator, spec.input.shape.to_vec()).map_err(rt)?;
        binding.bind_input(spec.input.name, &input).map_err(rt)?;
        let mut outputs = Vec::with_capacity(spec.outputs.len());
        for out in spec.outputs {
            let mut tensor = Tensor::<f32>::new(&allocator, out.shape.to_vec()).map_err(rt)?;
            binding.bind_output(out.name, &mut tensor).map_err(rt)?;
            outputs.push(tensor);
        }
        Ok(BoundModel {
            path,
            session,
            binding,
            input,
            outputs,
        })
    }

    /// The input tensor's data, to be filled before [`BoundModel::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        self.input.extract_tensor_mut().1
    }

    /// Runs the model on the current input; the outputs land in the bound
    /// output tensors.
    ///
    /// This calls ONNX Runtime's `RunWithBinding` directly rather than
    /// `Session::run_binding`, which wraps every output in new reference-
    /// counted values on each run: nothing is allocated per frame here.
    #[allow(unsafe_code)] // the one call into ONNX Runtime's C API; see SAFETY below
    pub fn run(&mut self) -> Result<(), ModelError> {
        let api = ort::api();
        // SAFETY: the session and the binding are alive for the call, the
        // session is borrowed exclusively (a session runs on one thread),
        // and every input and output is bound to a tensor this struct owns
        // with the exact shape the model declares (checked on load), so ONNX
        // Runtime writes only inside those buffers.
        let status = unsafe {
            (api.RunWithBinding)(self.session.ptr_mut(), std::ptr::null(), self.binding.ptr())
        };
        if status.0.is_null() {
            return Ok(());
        }
        // SAFETY: a non-null status is a valid OrtStatus whose message lives
        // until it is released, which happens right after copying it.
        let message = unsafe {
            let text = std::ffi::CStr::from_ptr((api.GetErrorMessage)(status.0))
                .to_string_lossy()
                .into_owned();
            (api.ReleaseStatus)(status.0);
            text
        };
        Err(ModelError::Runtime {
            path: self.path.clone(),
            source: ort::Error::new(message),
        })
    }

    /// Output `i` (in the order of [`ModelSpec::outputs`]) of the last run.
    pub fn output(&self, i: usize) -> &[f32] {
        self.outputs[i].extract_tensor().1
    }
}

fn check_signature(path: &Path, session: &Session, spec: &ModelSpec) -> Result<(), ModelError> {
    let err = |message: String| ModelError::Signature {
        path: path.to_path_buf(),
        message,
    };
    let check = |kind: &str, outlets: &[ort::value::Outlet], want: &TensorSpec| {
        let Some(outlet) = outlets.iter().find(|o| o.name() == want.name) else {
            let names: Vec<&str> = outlets.iter().map(ort::value::Outlet::name).collect();
            return Err(err(format!(
                "no {kind} named `{}` (it has {names:?})",
                want.name
            )));
        };
        let dtype = outlet.dtype();
        if dtype.tensor_type() != Some(ort::value::TensorElementType::Float32) {
            return Err(err(format!(
                "{kind} `{}` is {dtype:?}, expected float32",
                want.name
            )));
        }
        let shape: &[i64] = dtype.tensor_shape().map_or(&[], |s| &s[..]);
        if shape != want.shape {
            return Err(err(format!(
                "{kind} `{}` has shape {shape:?}, expected {:?}",
                want.name, want.shape
            )));
        }
        Ok(())
    };
    check("input", session.inputs(), &spec.input)?;
    for out in spec.outputs {
        check("output", session.outputs(), out)?;
    }
    Ok(())
}
