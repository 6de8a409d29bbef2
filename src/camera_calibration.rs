//! Camera intrinsics from chessboard views (OpenCV calib3d), stored as TOML
//! (by default in `cameras/` of the user's data folder, [`cameras_dir`]),
//! and undistortion of landmarks.
//!
//! [`calibrate`] finds a chessboard in each image (`findChessboardCorners`,
//! refined by `cornerSubPix`), skips the images where it is not found and
//! runs `calibrateCamera` on the rest, giving a [`CameraCalibration`]: focal
//! lengths and principal point in pixels and the lens distortion
//! (`k1 k2 p1 p2 k3`, OpenCV's order). [`CameraCalibration::save`] writes it as
//! `NAME.toml`; [`load`] reads it back and validates it,
//! with errors that name the file, the line and the field.
//!
//! An [`Undistorter`] then moves landmarks to where an ideal pinhole camera
//! would have seen them, reusing its buffers from frame to frame.
//!
//! Pixel conventions: calibration pixels are OpenCV's, with the centre of the
//! top-left pixel at `(0, 0)`. Landmarks are normalised as the pose engine's
//! (MediaPipe's), `x = u / width` in continuous coordinates where the
//! top-left pixel spans `[0, 1)`, so its centre is `0.5 / width`. The
//! undistorter converts between the two.

use std::path::{Path, PathBuf};

use opencv::calib3d;
use opencv::core::{
    Mat, Point2f, Point3f, Scalar, Size, TermCriteria, TermCriteria_Type, Vec2f, Vector, CV_32FC2,
};
use opencv::imgcodecs;
use opencv::imgproc;
use opencv::prelude::*;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::toml_file::{self, TomlError};

/// Fewest chessboard views `calibrateCamera` is given.
pub const MIN_VIEWS: usize = 3;

/// Views below which the calibration is likely to be poor (a warning only).
pub const RECOMMENDED_VIEWS: usize = 10;

/// Fewest inner corners along either side of the board (OpenCV needs more than two).
pub const MIN_INNER_CORNERS: u32 = 3;

/// Image file extensions [`images_in`] picks up (compared case-insensitively).
pub const IMAGE_EXTENSIONS: [&str; 8] = ["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "pgm"];

/// Largest half-width of the `cornerSubPix` search window, pixels.
const SUBPIX_MAX_HALF_WINDOW: i32 = 11;
/// Smallest half-width of the `cornerSubPix` search window, pixels.
const SUBPIX_MIN_HALF_WINDOW: i32 = 2;
/// The search window's half-width as a fraction of the closest corner spacing,
/// so that it never reaches a neighbouring corner.
const SUBPIX_WINDOW_FRACTION: f32 = 0.4;
/// Half-width of the window's centre that `cornerSubPix` ignores, pixels: the
/// gradients right at an anti-aliased corner point nowhere useful.
const SUBPIX_DEAD_ZONE: i32 = 1;
/// `cornerSubPix` iterations.
const SUBPIX_ITERATIONS: i32 = 40;
/// `cornerSubPix` stops when a corner moves less than this, pixels.
const SUBPIX_EPS: f64 = 1e-3;

/// `calibrateCamera` flags: `k3` is held at zero. Ordinary webcam lenses do
/// not need it, and unless the views reach far into the image's corners it
/// fits noise that bends the corners, where a person at the edge of the frame
/// would be.
const CALIBRATION_FLAGS: i32 = calib3d::CALIB_FIX_K3;
/// `calibrateCamera` iterations (OpenCV's default).
const CALIBRATION_ITERATIONS: i32 = 30;

/// `undistortPoints` iterations (its default of 5 is short of converging at
/// the edges of a strongly distorted image).
const UNDISTORT_ITERATIONS: i32 = 20;
/// `undistortPoints` stops when the point reprojects within this, pixels.
const UNDISTORT_EPS_PX: f64 = 1e-4;

/// Largest relative difference of aspect ratio between the calibrated
/// resolution and a frame for the intrinsics to be scaled to the frame.
const ASPECT_TOLERANCE: f64 = 0.01;

/// Number of distortion coefficients stored (`k1 k2 p1 p2 k3`).
pub const DISTORTION_COEFFICIENTS: usize = 5;

/// Errors of calibrating, loading, saving or applying a camera calibration.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// The calibration file does not exist.
    #[error(
        "{path}: no such camera calibration file; create it with `formcheck calibrate camera`"
    )]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{path}: cannot be read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{path}: cannot be written ({source}); check the folder exists and is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a field is missing, unknown, of the
    /// wrong type or of a value that makes no sense.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// A calibration's values make no sense (one built in code, not loaded).
    #[error("camera calibration `{name}`: `{field}` {message}")]
    InvalidValue {
        /// The calibration's name.
        name: String,
        /// The field.
        field: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The calibration could not be turned into TOML.
    #[error("camera calibration `{name}` cannot be written as TOML: {source}")]
    Serialize {
        /// The calibration's name.
        name: String,
        /// Why.
        source: toml::ser::Error,
    },
    /// The calibration name cannot be a file name.
    #[error(
        "camera name `{name}` is not usable as a file name: use letters, digits, `-` and `_` only"
    )]
    BadName {
        /// The name given.
        name: String,
    },
    /// The chessboard description is impossible.
    #[error("chessboard {what}")]
    BadBoard {
        /// What is wrong and what is expected.
        what: String,
    },
    /// No images were given, or the folder holds none.
    #[error("{what}: no images; give photographs of the chessboard (png, jpg, ...)")]
    NoImages {
        /// The folder searched, or a description of the input.
        what: String,
    },
    /// An image file does not exist or cannot be decoded.
    #[error("{image}: missing, or not an image that can be decoded; remove it or convert it to PNG or JPEG")]
    UnreadableImage {
        /// The image (its path, or its index among the views).
        image: String,
    },
    /// An image is not 8-bit grey, BGR or BGRA.
    #[error("{image}: unsupported pixel format (OpenCV type {cv_type}); give 8-bit grey or colour images")]
    UnsupportedImage {
        /// The image (its path, or its index among the views).
        image: String,
        /// OpenCV's type code.
        cv_type: i32,
    },
    /// The images do not all have the same size.
    #[error(
        "{image} is {found_width}x{found_height} but the first image is {width}x{height}; \
         all views must come from the camera at one resolution"
    )]
    ImageSize {
        /// The image that differs.
        image: String,
        /// Its width.
        found_width: i32,
        /// Its height.
        found_height: i32,
        /// The first image's width.
        width: i32,
        /// The first image's height.
        height: i32,
    },
    /// The board was found in too few images.
    #[error(
        "the chessboard ({columns}x{rows} inner corners) was found in {found} of {total} images; \
         calibration needs at least {needed} ({recommended} or more recommended): check that the \
         board size counts inner corners (squares minus one along each side) and that the whole \
         board with its white border is in view, sharp and evenly lit"
    )]
    TooFewViews {
        /// Views where the board was found.
        found: usize,
        /// Images given.
        total: usize,
        /// Views needed.
        needed: usize,
        /// Views recommended.
        recommended: usize,
        /// Inner corners along the board's width.
        columns: u32,
        /// Inner corners along the board's height.
        rows: u32,
    },
    /// `calibrateCamera` returned values that are not a camera.
    #[error(
        "calibration did not converge ({what}); take more views with the board tilted in \
         different directions and reaching the corners of the image"
    )]
    Degenerate {
        /// What came out wrong.
        what: String,
    },
    /// The frame's shape differs from the calibrated one, so the intrinsics do not apply.
    #[error(
        "camera calibration `{name}` is for {width}x{height} images but the frames are \
         {frame_width}x{frame_height} (another aspect ratio); recalibrate at this resolution"
    )]
    FrameSize {
        /// The calibration's name.
        name: String,
        /// Calibrated width.
        width: u32,
        /// Calibrated height.
        height: u32,
        /// The frame's width.
        frame_width: u32,
        /// The frame's height.
        frame_height: u32,
    },
    /// OpenCV failed.
    #[error("OpenCV failed while {context}: {source}")]
    OpenCv {
        /// What was being done.
        context: &'static str,
        /// OpenCV's error.
        source: opencv::Error,
    },
}

/// Wraps an OpenCV error with what was being done.
fn cv(context: &'static str) -> impl FnOnce(opencv::Error) -> CalibrationError {
    move |source| CalibrationError::OpenCv { context, source }
}

/// A camera's intrinsics and lens distortion, as `NAME.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraCalibration {
    /// The camera's name (the file's stem).
    pub name: String,
    /// Width of the calibrated images, pixels.
    pub image_width: u32,
    /// Height of the calibrated images, pixels.
    pub image_height: u32,
    /// Horizontal focal length, pixels.
    pub fx: f64,
    /// Vertical focal length, pixels.
    pub fy: f64,
    /// Principal point, x, pixels from the centre of the top-left pixel.
    pub cx: f64,
    /// Principal point, y, pixels from the centre of the top-left pixel.
    pub cy: f64,
    /// Lens distortion `k1 k2 p1 p2 k3` (OpenCV's order: radial k, tangential p).
    pub distortion: [f64; DISTORTION_COEFFICIENTS],
    /// Root-mean-square reprojection error of the calibration, pixels.
    pub rms_reprojection_px: f64,
    /// Chessboard views the calibration used.
    pub views: usize,
}

/// Focal lengths a camera can have, in image widths.
const FOCAL_WIDTHS: (f64, f64) = (0.05, 20.0);
/// Largest magnitude of each distortion coefficient, `k1 k2 p1 p2 k3`.
const DISTORTION_MAX: [f64; DISTORTION_COEFFICIENTS] = [100.0, 100.0, 1.0, 1.0, 100.0];

/// The file's fields with their places, for validation messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalibration {
    name: Spanned<String>,
    image_width: Spanned<u32>,
    image_height: Spanned<u32>,
    fx: Spanned<f64>,
    fy: Spanned<f64>,
    cx: Spanned<f64>,
    cy: Spanned<f64>,
    distortion: Spanned<[f64; DISTORTION_COEFFICIENTS]>,
    rms_reprojection_px: Spanned<f64>,
    views: Spanned<usize>,
}

/// One semantic problem: the field and what is wrong with it.
struct Problem {
    field: &'static str,
    message: String,
}

/// Checks the values of a calibration; the first problem found, if any, in
/// file order so that errors are stable.
fn first_problem(c: &CameraCalibration) -> Option<Problem> {
    let CameraCalibration {
        ref name,
        image_width: width,
        image_height: height,
        fx,
        fy,
        cx,
        cy,
        ref distortion,
        rms_reprojection_px: rms,
        views: _,
    } = *c;
    let problem = |field, message: String| Some(Problem { field, message });
    if name.trim().is_empty() {
        return problem("name", "must not be empty: give the camera a name".into());
    }
    if width == 0 {
        return problem(
            "image_width",
            "must be the calibrated images' width in pixels, not 0".into(),
        );
    }
    if height == 0 {
        return problem(
            "image_height",
            "must be the calibrated images' height in pixels, not 0".into(),
        );
    }
    // A camera sees between about 3° (a long telephoto) and 170° (a
    // fisheye) across the image: the focal length in pixels lies between
    // 0.05 and 20 image widths.
    let (f_lo, f_hi) = (
        FOCAL_WIDTHS.0 * f64::from(width),
        FOCAL_WIDTHS.1 * f64::from(width),
    );
    for (field, f) in [("fx", fx), ("fy", fy)] {
        if !(f.is_finite() && (f_lo..=f_hi).contains(&f)) {
            return problem(
                field,
                format!(
                    "is {f}; the focal length must be between {f_lo} and {f_hi} pixels \
                     (0.05 to 20 times `image_width`)"
                ),
            );
        }
    }
    for (field, c, size, size_field) in [
        ("cx", cx, width, "image_width"),
        ("cy", cy, height, "image_height"),
    ] {
        if !(c.is_finite() && c >= 0.0 && c <= f64::from(size)) {
            return problem(
                field,
                format!(
                    "is {c}; the principal point must lie inside the image, \
                     between 0 and {size} (`{size_field}`) pixels"
                ),
            );
        }
    }
    if let Some(k) = distortion.iter().find(|k| !k.is_finite()) {
        return problem(
            "distortion",
            format!("holds {k}; it must be five finite numbers k1 k2 p1 p2 k3"),
        );
    }
    // Radial terms of real lenses stay within tens, tangential ones (a
    // lens off the sensor's axis) within a fraction.
    for (i, (k, max)) in distortion.iter().zip(DISTORTION_MAX).enumerate() {
        if k.abs() > max {
            let name = ["k1", "k2", "p1", "p2", "k3"][i];
            return problem(
                "distortion",
                format!("holds {name} = {k}; it must be between -{max} and {max} (no lens bends so far)"),
            );
        }
    }
    if !(rms.is_finite() && rms >= 0.0) {
        return problem(
            "rms_reprojection_px",
            format!("is {rms}; it must be zero or a positive number of pixels"),
        );
    }
    None
}

/// Reads and validates a camera calibration file.
///
/// Errors name the file, the line and the field: a missing file, TOML syntax,
/// a missing, unknown or mistyped field, and values that are not a camera
/// (non-positive focal length, principal point outside the image, zero image
/// size, non-finite distortion).
pub fn load(path: &Path) -> Result<CameraCalibration, CalibrationError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            CalibrationError::NotFound { path: path.into() }
        } else {
            CalibrationError::Read {
                path: path.into(),
                source,
            }
        }
    })?;
    let raw: RawCalibration = toml_file::parse(path, &text)?;
    let calibration = CameraCalibration {
        name: raw.name.get_ref().clone(),
        image_width: *raw.image_width.get_ref(),
        image_height: *raw.image_height.get_ref(),
        fx: *raw.fx.get_ref(),
        fy: *raw.fy.get_ref(),
        cx: *raw.cx.get_ref(),
        cy: *raw.cy.get_ref(),
        distortion: *raw.distortion.get_ref(),
        rms_reprojection_px: *raw.rms_reprojection_px.get_ref(),
        views: *raw.views.get_ref(),
    };
    if let Some(Problem { field, message }) = first_problem(&calibration) {
        let span = match field {
            "name" => raw.name.span(),
            "image_width" => raw.image_width.span(),
            "image_height" => raw.image_height.span(),
            "fx" => raw.fx.span(),
            "fy" => raw.fy.span(),
            "cx" => raw.cx.span(),
            "cy" => raw.cy.span(),
            "distortion" => raw.distortion.span(),
            _ => raw.rms_reprojection_px.span(),
        };
        return Err(toml_file::invalid(path, &text, span.start, field, message).into());
    }
    Ok(calibration)
}

/// Where `formcheck calibrate camera` writes a calibration unless told:
/// `cameras/` in the user's data folder (`cameras/` here without one).
pub fn cameras_dir() -> PathBuf {
    crate::data_dir::user_dir().map_or_else(|| PathBuf::from("cameras"), |d| d.join("cameras"))
}

/// Checks that `name` can be a file stem.
pub fn check_name(name: &str) -> Result<(), CalibrationError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CalibrationError::BadName { name: name.into() })
    }
}

/// The image files in `dir` (by extension, see [`IMAGE_EXTENSIONS`]), sorted by name.
pub fn images_in(dir: &Path) -> Result<Vec<PathBuf>, CalibrationError> {
    let read = |source| CalibrationError::Read {
        path: dir.into(),
        source,
    };
    let mut images = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let is_image = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(e))
        });
        if is_image && path.is_file() {
            images.push(path);
        }
    }
    if images.is_empty() {
        return Err(CalibrationError::NoImages {
            what: dir.display().to_string(),
        });
    }
    images.sort();
    Ok(images)
}

impl CameraCalibration {
    /// Checks the values (as [`load`] does), for a calibration built in code.
    pub fn validate(&self) -> Result<(), CalibrationError> {
        match first_problem(self) {
            None => Ok(()),
            Some(Problem { field, message }) => Err(CalibrationError::InvalidValue {
                name: self.name.clone(),
                field,
                message,
            }),
        }
    }

    /// Writes the calibration as TOML with a comment header saying what the
    /// numbers are, creating the folder if needed. A calibration that
    /// [`load`] would refuse is not written.
    pub fn save(&self, path: &Path) -> Result<(), CalibrationError> {
        self.validate()?;
        let body = toml::to_string(self).map_err(|source| CalibrationError::Serialize {
            name: self.name.clone(),
            source,
        })?;
        let header = format!(
            "# Camera `{name}`: intrinsics and lens distortion, written by\n\
             # `formcheck calibrate camera` (OpenCV calibrateCamera on chessboard views).\n\
             # Pixels of {w}x{h} images, origin at the centre of the top-left pixel:\n\
             #   fx, fy       focal length\n\
             #   cx, cy       principal point\n\
             #   distortion   k1 k2 p1 p2 k3 (OpenCV's order: radial k, tangential p)\n\
             #   rms_reprojection_px, views: how well the model fitted, on how many views.\n\
             # Holds for this camera at this zoom and focus; frames of another resolution\n\
             # with the same aspect ratio are scaled. Recalibrate after changing the lens.\n\n",
            name = self.name,
            w = self.image_width,
            h = self.image_height,
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CalibrationError::Write {
                path: path.into(),
                source,
            })?;
        }
        std::fs::write(path, header + &body).map_err(|source| CalibrationError::Write {
            path: path.into(),
            source,
        })
    }

    /// An undistorter for frames of the calibrated size.
    pub fn undistorter(&self) -> Result<Undistorter, CalibrationError> {
        Undistorter::new(self, self.image_width, self.image_height)
    }

    /// Undistorts landmarks in normalised image coordinates (`x / width`,
    /// `y / height`, as the pose engine's) in place, for frames of the
    /// calibrated size. Builds an [`Undistorter`] each call: per frame, keep one.
    pub fn undistort_normalized(&self, points: &mut [[f32; 2]]) -> Result<(), CalibrationError> {
        self.undistorter()?.undistort_normalized(points)
    }
}

/// Undistorts points with a camera's calibration, reusing its buffers so
/// that a steady number of points per call allocates nothing in Rust.
#[derive(Debug)]
pub struct Undistorter {
    /// Camera matrix scaled to the frame, 3x3 `f64`.
    camera: Mat,
    /// `k1 k2 p1 p2 k3`, 1x5 `f64`.
    distortion: Mat,
    /// No rectification (an empty `Mat` is the identity).
    rectification: Mat,
    /// Input points, Nx1 `CV_32FC2`, OpenCV pixels.
    src: Mat,
    /// Output points, Nx1 `CV_32FC2`, OpenCV pixels.
    dst: Mat,
    criteria: TermCriteria,
    width: f32,
    height: f32,
}

impl Undistorter {
    /// An undistorter for frames of `frame_width` x `frame_height`. Frames of
    /// another resolution than the calibrated one are accepted when the
    /// aspect ratio is the same (the intrinsics are scaled), refused otherwise.
    pub fn new(
        calibration: &CameraCalibration,
        frame_width: u32,
        frame_height: u32,
    ) -> Result<Undistorter, CalibrationError> {
        calibration.validate()?;
        let (cw, ch) = (
            f64::from(calibration.image_width),
            f64::from(calibration.image_height),
        );
        let (w, h) = (f64::from(frame_width), f64::from(frame_height));
        let aspect_error = if h > 0.0 {
            ((w / h) / (cw / ch) - 1.0).abs()
        } else {
            1.0
        };
        if frame_width == 0 || aspect_error > ASPECT_TOLERANCE {
            return Err(CalibrationError::FrameSize {
                name: calibration.name.clone(),
                width: calibration.image_width,
                height: calibration.image_height,
                frame_width,
                frame_height,
            });
        }
        let (sx, sy) = (w / cw, h / ch);
        // Pixel centres sit at i + 0.5 in continuous coordinates: scale those.
        let cx = (calibration.cx + 0.5) * sx - 0.5;
        let cy = (calibration.cy + 0.5) * sy - 0.5;
        let camera = Mat::from_slice_2d(&[
            [calibration.fx * sx, 0.0, cx],
            [0.0, calibration.fy * sy, cy],
            [0.0, 0.0, 1.0],
        ])
        .map_err(cv("building the camera matrix"))?;
        let distortion = Mat::from_slice_2d(&[calibration.distortion])
            .map_err(cv("building the distortion coefficients"))?;
        let criteria = TermCriteria::new(
            TermCriteria_Type::COUNT as i32 + TermCriteria_Type::EPS as i32,
            UNDISTORT_ITERATIONS,
            UNDISTORT_EPS_PX,
        )
        .map_err(cv("setting the undistortion criteria"))?;
        Ok(Undistorter {
            camera,
            distortion,
            rectification: Mat::default(),
            src: Mat::default(),
            dst: Mat::default(),
            criteria,
            width: frame_width as f32,
            height: frame_height as f32,
        })
    }

    /// Undistorts points in normalised image coordinates (`x / width`,
    /// `y / height` of the frame, as the pose engine's landmarks) in place.
    pub fn undistort_normalized(
        &mut self,
        points: &mut [[f32; 2]],
    ) -> Result<(), CalibrationError> {
        let (w, h) = (self.width, self.height);
        self.run(points, |[x, y]| [x * w, y * h], |[u, v]| [u / w, v / h])
    }

    /// Undistorts points in pixels of the frame, in the pose engine's
    /// continuous convention (`x * width`, `y * height`: the top-left pixel
    /// spans `[0, 1)`), in place.
    pub fn undistort_pixels(&mut self, points: &mut [[f32; 2]]) -> Result<(), CalibrationError> {
        self.run(points, |p| p, |p| p)
    }

    /// Converts `points` to continuous pixels with `to_px`, undistorts them
    /// with OpenCV and converts back with `from_px`.
    fn run(
        &mut self,
        points: &mut [[f32; 2]],
        to_px: impl Fn([f32; 2]) -> [f32; 2],
        from_px: impl Fn([f32; 2]) -> [f32; 2],
    ) -> Result<(), CalibrationError> {
        if points.is_empty() {
            return Ok(());
        }
        let n = i32::try_from(points.len()).map_err(|_| CalibrationError::Degenerate {
            what: format!("{} points to undistort is too many", points.len()),
        })?;
        if self.src.rows() != n || self.src.typ() != CV_32FC2 {
            self.src = Mat::new_rows_cols_with_default(n, 1, CV_32FC2, Scalar::all(0.0))
                .map_err(cv("allocating the points to undistort"))?;
        }
        // OpenCV pixel centres are at integers, the pose engine's at i + 0.5.
        let half = 0.5f32;
        let src = self
            .src
            .data_typed_mut::<Vec2f>()
            .map_err(cv("filling the points to undistort"))?;
        for (s, p) in src.iter_mut().zip(points.iter()) {
            let [u, v] = to_px(*p);
            *s = Vec2f::from([u - half, v - half]);
        }
        calib3d::undistort_points_iter(
            &self.src,
            &mut self.dst,
            &self.camera,
            &self.distortion,
            &self.rectification,
            &self.camera,
            self.criteria,
        )
        .map_err(cv("undistorting points"))?;
        let dst = self
            .dst
            .data_typed::<Vec2f>()
            .map_err(cv("reading the undistorted points"))?;
        for (p, d) in points.iter_mut().zip(dst.iter()) {
            *p = from_px([d[0] + half, d[1] + half]);
        }
        Ok(())
    }
}

/// Accumulates chessboard corners view by view.
struct BoardViews {
    columns: u32,
    rows: u32,
    pattern: Size,
    board: Vector<Point3f>,
    object_points: Vector<Vector<Point3f>>,
    image_points: Vector<Vector<Point2f>>,
    size: Option<Size>,
    grey: Mat,
    seen: usize,
}

impl BoardViews {
    /// Checks the name and that there are `images`, then [`BoardViews::new`].
    fn start(
        images: usize,
        inner_corners: (u32, u32),
        square_mm: f64,
        name: &str,
    ) -> Result<BoardViews, CalibrationError> {
        check_name(name)?;
        if images == 0 {
            return Err(CalibrationError::NoImages {
                what: "calibration".into(),
            });
        }
        BoardViews::new(inner_corners, square_mm)
    }

    fn new(inner_corners: (u32, u32), square_mm: f64) -> Result<BoardViews, CalibrationError> {
        let (columns, rows) = inner_corners;
        if columns < MIN_INNER_CORNERS || rows < MIN_INNER_CORNERS {
            return Err(CalibrationError::BadBoard {
                what: format!(
                    "of {columns}x{rows} inner corners is too small: count the corners where \
                     four squares meet, at least {MIN_INNER_CORNERS} along each side \
                     (a board of 10x7 squares has 9x6)"
                ),
            });
        }
        if !(square_mm.is_finite() && square_mm > 0.0) {
            return Err(CalibrationError::BadBoard {
                what: format!("square size {square_mm} mm: give the side of one square in mm"),
            });
        }
        let too_big = |_| CalibrationError::BadBoard {
            what: format!("of {columns}x{rows} inner corners is too large"),
        };
        let pattern = Size::new(
            i32::try_from(columns).map_err(too_big)?,
            i32::try_from(rows).map_err(too_big)?,
        );
        let mut board = Vector::with_capacity((columns * rows) as usize);
        for r in 0..rows {
            for c in 0..columns {
                board.push(Point3f::new(
                    (f64::from(c) * square_mm) as f32,
                    (f64::from(r) * square_mm) as f32,
                    0.0,
                ));
            }
        }
        Ok(BoardViews {
            columns,
            rows,
            pattern,
            board,
            object_points: Vector::new(),
            image_points: Vector::new(),
            size: None,
            grey: Mat::default(),
            seen: 0,
        })
    }

    /// Looks for the board in `image` (8-bit grey, BGR or BGRA); `label`
    /// names it in errors. Whether the board was found.
    fn add(&mut self, image: &Mat, label: &str) -> Result<bool, CalibrationError> {
        self.seen += 1;
        let size = image.size().map_err(cv("reading an image's size"))?;
        if image.empty() || size.width <= 0 || size.height <= 0 {
            return Err(CalibrationError::UnreadableImage {
                image: label.into(),
            });
        }
        match self.size {
            None => self.size = Some(size),
            Some(first) if first != size => {
                return Err(CalibrationError::ImageSize {
                    image: label.into(),
                    found_width: size.width,
                    found_height: size.height,
                    width: first.width,
                    height: first.height,
                })
            }
            Some(_) => {}
        }
        let code = match image.typ() {
            opencv::core::CV_8UC1 => None,
            opencv::core::CV_8UC3 => Some(imgproc::COLOR_BGR2GRAY),
            opencv::core::CV_8UC4 => Some(imgproc::COLOR_BGRA2GRAY),
            cv_type => {
                return Err(CalibrationError::UnsupportedImage {
                    image: label.into(),
                    cv_type,
                })
            }
        };
        let grey = match code {
            None => image,
            Some(code) => {
                imgproc::cvt_color_def(image, &mut self.grey, code)
                    .map_err(cv("converting an image to grey"))?;
                &self.grey
            }
        };
        let mut corners = Vector::<Point2f>::new();
        let found = calib3d::find_chessboard_corners(
            grey,
            self.pattern,
            &mut corners,
            calib3d::CALIB_CB_ADAPTIVE_THRESH
                | calib3d::CALIB_CB_NORMALIZE_IMAGE
                | calib3d::CALIB_CB_FAST_CHECK,
        )
        .map_err(cv("looking for the chessboard"))?;
        if !found || corners.len() != self.board.len() {
            tracing::warn!("{label}: chessboard not found; image skipped");
            return Ok(false);
        }
        let half = subpix_half_window(&corners, self.columns as usize);
        let criteria = TermCriteria::new(
            TermCriteria_Type::COUNT as i32 + TermCriteria_Type::EPS as i32,
            SUBPIX_ITERATIONS,
            SUBPIX_EPS,
        )
        .map_err(cv("setting the corner refinement criteria"))?;
        imgproc::corner_sub_pix(
            grey,
            &mut corners,
            Size::new(half, half),
            Size::new(SUBPIX_DEAD_ZONE, SUBPIX_DEAD_ZONE),
            criteria,
        )
        .map_err(cv("refining the chessboard corners"))?;
        self.object_points.push(self.board.clone());
        self.image_points.push(corners);
        Ok(true)
    }

    fn calibrate(self, name: &str) -> Result<CameraCalibration, CalibrationError> {
        let found = self.image_points.len();
        if found < MIN_VIEWS {
            return Err(CalibrationError::TooFewViews {
                found,
                total: self.seen,
                needed: MIN_VIEWS,
                recommended: RECOMMENDED_VIEWS,
                columns: self.columns,
                rows: self.rows,
            });
        }
        if found < RECOMMENDED_VIEWS {
            tracing::warn!(
                "only {found} chessboard views; {RECOMMENDED_VIEWS} or more give a steadier calibration"
            );
        }
        let size = self.size.ok_or(CalibrationError::NoImages {
            what: "calibration".into(),
        })?;
        let mut camera = Mat::default();
        let mut distortion = Mat::default();
        let mut rvecs = Vector::<Mat>::new();
        let mut tvecs = Vector::<Mat>::new();
        let criteria = TermCriteria::new(
            TermCriteria_Type::COUNT as i32 + TermCriteria_Type::EPS as i32,
            CALIBRATION_ITERATIONS,
            f64::EPSILON,
        )
        .map_err(cv("setting the calibration criteria"))?;
        let rms = calib3d::calibrate_camera(
            &self.object_points,
            &self.image_points,
            size,
            &mut camera,
            &mut distortion,
            &mut rvecs,
            &mut tvecs,
            CALIBRATION_FLAGS,
            criteria,
        )
        .map_err(cv("calibrating the camera"))?;
        let at = |r, c| -> Result<f64, CalibrationError> {
            camera
                .at_2d::<f64>(r, c)
                .copied()
                .map_err(cv("reading the camera matrix"))
        };
        let mut coefficients = [0.0; DISTORTION_COEFFICIENTS];
        let values = distortion
            .data_typed::<f64>()
            .map_err(cv("reading the distortion coefficients"))?;
        for (k, v) in coefficients.iter_mut().zip(values) {
            *k = *v;
        }
        let (width, height) = (size.width as u32, size.height as u32);
        let calibration = CameraCalibration {
            name: name.into(),
            image_width: width,
            image_height: height,
            fx: at(0, 0)?,
            fy: at(1, 1)?,
            cx: at(0, 2)?,
            cy: at(1, 2)?,
            distortion: coefficients,
            rms_reprojection_px: rms,
            views: found,
        };
        calibration
            .validate()
            .map_err(|e| CalibrationError::Degenerate {
                what: e.to_string(),
            })?;
        Ok(calibration)
    }
}

/// Half-width of the `cornerSubPix` window for `corners` (row-major, `columns`
/// per row): a fraction of the closest spacing between neighbours.
fn subpix_half_window(corners: &Vector<Point2f>, columns: usize) -> i32 {
    let mut closest = f32::INFINITY;
    for i in 0..corners.len() {
        let Ok(p) = corners.get(i) else { continue };
        let neighbours = [
            (i % columns + 1 < columns).then_some(i + 1),
            Some(i + columns).filter(|&j| j < corners.len()),
        ];
        for j in neighbours.into_iter().flatten() {
            if let Ok(q) = corners.get(j) {
                closest = closest.min((p.x - q.x).hypot(p.y - q.y));
            }
        }
    }
    if !closest.is_finite() {
        return SUBPIX_MIN_HALF_WINDOW;
    }
    ((closest * SUBPIX_WINDOW_FRACTION) as i32)
        .clamp(SUBPIX_MIN_HALF_WINDOW, SUBPIX_MAX_HALF_WINDOW)
}

/// Calibrates a camera from photographs of a chessboard.
///
/// `inner_corners` is (columns, rows) of corners where four squares meet
/// (a board of 10x7 squares has 9x6), `square_mm` the side of a square.
/// Images where the board is not found are skipped (logged); the result's
/// `views` says how many were used. Unreadable images, images of different
/// sizes and fewer than [`MIN_VIEWS`] usable views are errors.
pub fn calibrate(
    images: &[PathBuf],
    inner_corners: (u32, u32),
    square_mm: f64,
    name: &str,
) -> Result<CameraCalibration, CalibrationError> {
    let mut views = BoardViews::start(images.len(), inner_corners, square_mm, name)?;
    for path in images {
        let label = path.display().to_string();
        let image = imgcodecs::imread(&label, imgcodecs::IMREAD_GRAYSCALE)
            .map_err(cv("reading an image"))?;
        if image.empty() {
            return Err(CalibrationError::UnreadableImage { image: label });
        }
        views.add(&image, &label)?;
    }
    views.calibrate(name)
}

/// [`calibrate`] on images already in memory (8-bit grey, BGR or BGRA);
/// errors name an image by its index, `image 3`.
pub fn calibrate_mats(
    images: &[Mat],
    inner_corners: (u32, u32),
    square_mm: f64,
    name: &str,
) -> Result<CameraCalibration, CalibrationError> {
    let mut views = BoardViews::start(images.len(), inner_corners, square_mm, name)?;
    for (i, image) in images.iter().enumerate() {
        views.add(image, &format!("image {i}"))?;
    }
    views.calibrate(name)
}
