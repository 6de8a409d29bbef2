//! Camera calibration on chessboard views rendered here with known
//! intrinsics and distortion, undistortion of landmarks, and the TOML file's
//! round trip and load errors.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use formcheck::camera_calibration::{
    self, calibrate, calibrate_mats, load, CalibrationError, CameraCalibration, Undistorter,
};
use nalgebra::{Matrix3, Rotation3, Vector3};
use opencv::core::Mat;
use opencv::prelude::*;

/// Rendered image size, pixels.
const WIDTH: usize = 1280;
const HEIGHT: usize = 720;
/// Inner corners of the board (10x7 squares).
const COLUMNS: u32 = 9;
const ROWS: u32 = 6;
/// Side of a square, mm.
const SQUARE_MM: f64 = 30.0;
/// White border around the squares, mm.
const MARGIN_MM: f64 = 30.0;
/// Grey levels of the scene.
const BLACK: f64 = 25.0;
const WHITE: f64 = 225.0;
const BACKGROUND: f64 = 110.0;
/// Samples per axis in a pixel that an edge crosses.
const SUPERSAMPLE: usize = 24;
/// Closest a rendered board may come to the image's edge, pixels.
const IN_VIEW_MARGIN_PX: f64 = 8.0;

/// Acceptance limits.
const FOCAL_TOLERANCE: f64 = 0.01;
const PRINCIPAL_POINT_TOLERANCE: f64 = 0.01;
const K1_TOLERANCE: f64 = 0.02;
const MAX_RMS_PX: f64 = 0.5;
const MAX_UNDISTORT_ERROR_PX: f64 = 0.5;
/// The views' chessboard corners reach to about this fraction of each side
/// from the image's edges: the calibration is checked inside it, where it was
/// measured, rather than extrapolated to the very corners.
const VIEWED_INSET: f64 = 0.05;
/// Undistorting with the true calibration must be exact to this.
const EXACT_UNDISTORT_ERROR_PX: f64 = 0.02;

/// A true pinhole camera with OpenCV's distortion model.
#[derive(Clone, Copy)]
struct Truth {
    fx: f64,
    fy: f64,
    cx: f64,
    cy: f64,
    /// k1 k2 p1 p2 k3
    k: [f64; 5],
}

const DISTORTED: Truth = Truth {
    fx: 900.0,
    fy: 900.0,
    cx: 640.0,
    cy: 360.0,
    k: [-0.1, 0.02, 0.0, 0.0, 0.0],
};

const PINHOLE: Truth = Truth {
    k: [0.0; 5],
    ..DISTORTED
};

impl Truth {
    /// Ideal normalised coordinates to distorted ones.
    fn distort(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let [k1, k2, p1, p2, k3] = self.k;
        let r2 = x * x + y * y;
        let radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3));
        [
            x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x),
            y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y,
        ]
    }

    /// Distorted normalised coordinates to ideal ones (fixed-point iteration,
    /// checked).
    fn undistort(&self, d: [f64; 2]) -> [f64; 2] {
        let mut p = d;
        for _ in 0..200 {
            let q = self.distort(p);
            let step = [d[0] - q[0], d[1] - q[1]];
            p = [p[0] + step[0], p[1] + step[1]];
            if step[0].hypot(step[1]) < 1e-15 {
                break;
            }
        }
        let q = self.distort(p);
        assert!(
            (q[0] - d[0]).hypot(q[1] - d[1]) < 1e-12,
            "inverse distortion did not converge"
        );
        p
    }

    /// OpenCV pixel (centre of the top-left pixel at 0, 0) to ideal normalised coordinates.
    fn ray(&self, [u, v]: [f64; 2]) -> [f64; 2] {
        self.undistort([(u - self.cx) / self.fx, (v - self.cy) / self.fy])
    }

    /// Ideal normalised coordinates to the distorted OpenCV pixel.
    fn pixel(&self, p: [f64; 2]) -> [f64; 2] {
        let [x, y] = self.distort(p);
        [x * self.fx + self.cx, y * self.fy + self.cy]
    }

    /// Ideal normalised coordinates to the undistorted OpenCV pixel.
    fn ideal_pixel(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        [x * self.fx + self.cx, y * self.fy + self.cy]
    }

    fn calibration(&self, name: &str) -> CameraCalibration {
        CameraCalibration {
            name: name.into(),
            image_width: WIDTH as u32,
            image_height: HEIGHT as u32,
            fx: self.fx,
            fy: self.fy,
            cx: self.cx,
            cy: self.cy,
            distortion: self.k,
            rms_reprojection_px: 0.0,
            views: 0,
        }
    }

    /// Ideal normalised coordinates of the corners of every pixel: grid point
    /// (i, j) is at OpenCV pixel (i - 0.5, j - 0.5).
    fn pixel_corner_rays(&self) -> Vec<[f64; 2]> {
        let mut rays = Vec::with_capacity((WIDTH + 1) * (HEIGHT + 1));
        for j in 0..=HEIGHT {
            for i in 0..=WIDTH {
                rays.push(self.ray([i as f64 - 0.5, j as f64 - 0.5]));
            }
        }
        rays
    }
}

/// Where the board is: rotation (degrees about x, y, z), the image point
/// (fraction of the size) its centre projects to, and its distance, mm.
struct Pose {
    degrees: [f64; 3],
    centre: [f64; 2],
    distance_mm: f64,
}

const fn pose(degrees: [f64; 3], centre: [f64; 2], distance_mm: f64) -> Pose {
    Pose {
        degrees,
        centre,
        distance_mm,
    }
}

/// Views reaching every part of the image, tilted up to 35 degrees, 0.55 to 1 m away.
const POSES: [Pose; 15] = [
    pose([0.0, 0.0, 0.0], [0.5, 0.5], 750.0),
    pose([25.0, 0.0, 5.0], [0.5, 0.5], 650.0),
    pose([-25.0, 0.0, -5.0], [0.5, 0.5], 650.0),
    pose([0.0, 30.0, 0.0], [0.5, 0.5], 650.0),
    pose([0.0, -30.0, 10.0], [0.5, 0.5], 650.0),
    pose([20.0, -20.0, 0.0], [0.17, 0.24], 1000.0),
    pose([-20.0, -20.0, 0.0], [0.17, 0.76], 1000.0),
    pose([20.0, 20.0, 0.0], [0.83, 0.24], 1000.0),
    pose([-20.0, 20.0, 0.0], [0.83, 0.76], 1000.0),
    pose([35.0, 10.0, 15.0], [0.38, 0.5], 850.0),
    pose([-10.0, -35.0, -15.0], [0.62, 0.5], 850.0),
    pose([15.0, 30.0, 30.0], [0.5, 0.5], 900.0),
    pose([0.0, 30.0, -10.0], [0.18, 0.5], 800.0),
    pose([0.0, -30.0, 10.0], [0.82, 0.5], 800.0),
    pose([-30.0, 0.0, 0.0], [0.5, 0.2], 900.0),
];

/// The board plane (mm, origin at the first inner corner) to ideal normalised
/// camera coordinates, as a homography.
fn board_to_camera(truth: &Truth, pose: &Pose) -> Matrix3<f64> {
    let [ax, ay, az] = pose.degrees.map(f64::to_radians);
    let r = Rotation3::from_euler_angles(ax, ay, az).into_inner();
    let board_centre = Vector3::new(
        f64::from(COLUMNS - 1) * SQUARE_MM / 2.0,
        f64::from(ROWS - 1) * SQUARE_MM / 2.0,
        0.0,
    );
    let [u, v] = [
        pose.centre[0] * WIDTH as f64,
        pose.centre[1] * HEIGHT as f64,
    ];
    let ray = Vector3::new((u - truth.cx) / truth.fx, (v - truth.cy) / truth.fy, 1.0);
    let t = ray * pose.distance_mm - r * board_centre;
    Matrix3::from_columns(&[r.column(0).into_owned(), r.column(1).into_owned(), t])
}

/// The board's outline with its white border, mm.
fn board_outline() -> [[f64; 2]; 4] {
    let (x0, y0) = (-SQUARE_MM - MARGIN_MM, -SQUARE_MM - MARGIN_MM);
    let x1 = f64::from(COLUMNS) * SQUARE_MM + MARGIN_MM;
    let y1 = f64::from(ROWS) * SQUARE_MM + MARGIN_MM;
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

/// What a point of the board plane shows: a cell (for uniformity tests) and its grey.
fn shade(x: f64, y: f64) -> (i64, f64) {
    let [[x0, y0], _, [x1, y1], _] = board_outline();
    if !(x0..x1).contains(&x) || !(y0..y1).contains(&y) {
        return (i64::MIN, BACKGROUND);
    }
    let (ix, iy) = (
        (x / SQUARE_MM).floor() as i64,
        (y / SQUARE_MM).floor() as i64,
    );
    let in_squares =
        (-1..=i64::from(COLUMNS) - 1).contains(&ix) && (-1..=i64::from(ROWS) - 1).contains(&iy);
    if !in_squares {
        return (i64::MIN + 1, WHITE);
    }
    let cell = ix * 1000 + iy;
    (
        cell,
        if (ix + iy).rem_euclid(2) == 0 {
            BLACK
        } else {
            WHITE
        },
    )
}

/// Bounding box of the board (with its border) in the image, pixels: [u0, v0, u1, v1].
fn outline_bbox(truth: &Truth, pose: &Pose) -> [f64; 4] {
    let to_camera = board_to_camera(truth, pose);
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for [bx, by] in board_outline() {
        let c = to_camera * Vector3::new(bx, by, 1.0);
        assert!(c.z > 0.0, "board behind the camera");
        let [u, v] = truth.pixel([c.x / c.z, c.y / c.z]);
        bbox = [
            bbox[0].min(u),
            bbox[1].min(v),
            bbox[2].max(u),
            bbox[3].max(v),
        ];
    }
    bbox
}

/// Renders the board at `pose` through `truth`: each pixel averages the
/// board under it, found by casting the rays of its (distorted) area onto the
/// board plane.
fn render(truth: &Truth, rays: &[[f64; 2]], pose: &Pose) -> Mat {
    let to_camera = board_to_camera(truth, pose);
    let [u0, v0, u1, v1] = outline_bbox(truth, pose);
    let inside = u0 >= IN_VIEW_MARGIN_PX
        && v0 >= IN_VIEW_MARGIN_PX
        && u1 <= WIDTH as f64 - IN_VIEW_MARGIN_PX
        && v1 <= HEIGHT as f64 - IN_VIEW_MARGIN_PX;
    assert!(
        inside,
        "pose {:?}: board at ({u0:.0}, {v0:.0})-({u1:.0}, {v1:.0}) not all in view",
        pose.degrees
    );
    let to_board = to_camera
        .try_inverse()
        .expect("the board plane is seen edge-on");
    let board: Vec<[f64; 2]> = rays
        .iter()
        .map(|&[x, y]| {
            let b = to_board * Vector3::new(x, y, 1.0);
            [b.x / b.z, b.y / b.z]
        })
        .collect();
    let mut pixels = vec![0u8; WIDTH * HEIGHT];
    let stride = WIDTH + 1;
    for j in 0..HEIGHT {
        for i in 0..WIDTH {
            let corners = [
                board[j * stride + i],
                board[j * stride + i + 1],
                board[(j + 1) * stride + i],
                board[(j + 1) * stride + i + 1],
            ];
            let cells = corners.map(|[x, y]| shade(x, y));
            let grey = if cells.iter().all(|c| c.0 == cells[0].0) {
                cells[0].1
            } else {
                let mut sum = 0.0;
                for sj in 0..SUPERSAMPLE {
                    let b = (sj as f64 + 0.5) / SUPERSAMPLE as f64;
                    for si in 0..SUPERSAMPLE {
                        let a = (si as f64 + 0.5) / SUPERSAMPLE as f64;
                        let lerp = |k: usize| {
                            (1.0 - b) * ((1.0 - a) * corners[0][k] + a * corners[1][k])
                                + b * ((1.0 - a) * corners[2][k] + a * corners[3][k])
                        };
                        sum += shade(lerp(0), lerp(1)).1;
                    }
                }
                sum / (SUPERSAMPLE * SUPERSAMPLE) as f64
            };
            pixels[j * WIDTH + i] = grey.round() as u8;
        }
    }
    Mat::new_rows_cols_with_data(HEIGHT as i32, WIDTH as i32, &pixels)
        .and_then(|m| m.try_clone())
        .expect("rendered image to Mat")
}

fn render_all(truth: &Truth, poses: &[Pose]) -> Vec<Mat> {
    let rays = truth.pixel_corner_rays();
    poses.iter().map(|p| render(truth, &rays, p)).collect()
}

fn assert_recovers(truth: &Truth, got: &CameraCalibration) {
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    assert_eq!(
        (got.image_width, got.image_height),
        (WIDTH as u32, HEIGHT as u32)
    );
    assert_eq!(
        got.views,
        POSES.len(),
        "the board must be found in every view"
    );
    assert!(
        (got.fx / truth.fx - 1.0).abs() < FOCAL_TOLERANCE,
        "fx {} vs {}",
        got.fx,
        truth.fx
    );
    assert!(
        (got.fy / truth.fy - 1.0).abs() < FOCAL_TOLERANCE,
        "fy {} vs {}",
        got.fy,
        truth.fy
    );
    assert!(
        (got.cx - truth.cx).abs() < PRINCIPAL_POINT_TOLERANCE * w,
        "cx {} vs {}",
        got.cx,
        truth.cx
    );
    assert!(
        (got.cy - truth.cy).abs() < PRINCIPAL_POINT_TOLERANCE * h,
        "cy {} vs {}",
        got.cy,
        truth.cy
    );
    assert!(
        (got.distortion[0] - truth.k[0]).abs() < K1_TOLERANCE,
        "k1 {} vs {}",
        got.distortion[0],
        truth.k[0]
    );
    assert!(
        got.rms_reprojection_px < MAX_RMS_PX,
        "RMS {} px",
        got.rms_reprojection_px
    );
}

/// Ideal normalised points whose distorted projections spread over the
/// image but for an `inset` (a fraction of each side) along its edges.
fn test_points(truth: &Truth, inset: f64) -> Vec<[f64; 2]> {
    const STEPS: (usize, usize) = (16, 9);
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let mut points = Vec::new();
    for j in 0..=STEPS.1 {
        for i in 0..=STEPS.0 {
            let u = -0.5 + w * (inset + (1.0 - 2.0 * inset) * i as f64 / STEPS.0 as f64);
            let v = -0.5 + h * (inset + (1.0 - 2.0 * inset) * j as f64 / STEPS.1 as f64);
            points.push(truth.ray([u, v]));
        }
    }
    points
}

/// The worst distance, pixels, between undistorted landmarks and their ideal
/// projections through `camera` (the truth, or the calibration's own camera).
fn worst_undistort_error(truth: &Truth, undistorter: &mut Undistorter, inset: f64) -> f64 {
    let ideal = test_points(truth, inset);
    // Landmarks are normalised in continuous coordinates: OpenCV pixel u is at (u + 0.5) / width.
    let mut landmarks: Vec<[f32; 2]> = ideal
        .iter()
        .map(|&p| {
            let [u, v] = truth.pixel(p);
            [
                ((u + 0.5) / WIDTH as f64) as f32,
                ((v + 0.5) / HEIGHT as f64) as f32,
            ]
        })
        .collect();
    undistorter
        .undistort_normalized(&mut landmarks)
        .expect("undistort");
    let mut worst = (0.0, [0.0, 0.0]);
    for (&p, l) in ideal.iter().zip(&landmarks) {
        let [u, v] = truth.ideal_pixel(p);
        let got = [
            f64::from(l[0]) * WIDTH as f64 - 0.5,
            f64::from(l[1]) * HEIGHT as f64 - 0.5,
        ];
        let e = (got[0] - u).hypot(got[1] - v);
        if e > worst.0 {
            worst = (e, [u, v]);
        }
    }
    worst.0
}

#[test]
fn recovers_known_intrinsics_and_distortion() {
    let images = render_all(&DISTORTED, &POSES);
    let got = calibrate_mats(&images, (COLUMNS, ROWS), SQUARE_MM, "rendered").expect("calibrate");
    eprintln!("with distortion: {got:?}");
    assert_recovers(&DISTORTED, &got);

    let mut exact = DISTORTED
        .calibration("truth")
        .undistorter()
        .expect("undistorter");
    let exact_error = worst_undistort_error(&DISTORTED, &mut exact, 0.0);
    assert!(
        exact_error < EXACT_UNDISTORT_ERROR_PX,
        "undistorting with the truth: {exact_error} px"
    );
    let mut undistorter = got.undistorter().expect("undistorter");
    let error = worst_undistort_error(&DISTORTED, &mut undistorter, VIEWED_INSET);
    let corner_error = worst_undistort_error(&DISTORTED, &mut undistorter, 0.0);
    eprintln!(
        "undistortion error: {exact_error:.4} px with the truth; with the calibration \
         {error:.3} px where the views reached, {corner_error:.3} px to the image's corners"
    );
    assert!(
        error < MAX_UNDISTORT_ERROR_PX,
        "undistorting with the calibration: {error} px"
    );
}

#[test]
fn the_command_line_calibrates_from_a_folder_of_photographs() {
    let dir = scratch_dir("command-line");
    let images = dir.join("views");
    std::fs::create_dir_all(&images).expect("views dir");
    for (i, image) in render_all(&DISTORTED, &POSES).iter().enumerate() {
        let path = images.join(format!("view_{i:02}.png"));
        opencv::imgcodecs::imwrite(
            path.to_str().expect("utf-8 path"),
            image,
            &opencv::core::Vector::new(),
        )
        .expect("write a view");
    }
    let out = Command::new(common::binary())
        .args(["calibrate", "camera", "--images"])
        .arg(&images)
        .args(["--board", &format!("{COLUMNS}x{ROWS}")])
        .args(["--square-mm", &SQUARE_MM.to_string(), "--name", "webcam"])
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("formcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("RMS reprojection"), "{stderr}");
    let got = load(&dir.join("webcam.toml")).expect("the written calibration loads");
    assert_recovers(&DISTORTED, &got);

    // A board size that is not the one photographed: a clear error.
    let out = Command::new(common::binary())
        .args(["calibrate", "camera", "--images"])
        .arg(&images)
        .args(["--board", "7x5", "--square-mm", "30", "--name", "wrong"])
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("formcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("inner corners"), "{stderr}");
    assert!(!dir.join("wrong.toml").exists());
}

#[test]
fn recovers_known_intrinsics_without_distortion() {
    let images = render_all(&PINHOLE, &POSES);
    let got = calibrate_mats(&images, (COLUMNS, ROWS), SQUARE_MM, "pinhole").expect("calibrate");
    eprintln!("without distortion: {got:?}");
    assert_recovers(&PINHOLE, &got);
    let mut undistorter = got.undistorter().expect("undistorter");
    let error = worst_undistort_error(&PINHOLE, &mut undistorter, VIEWED_INSET);
    eprintln!("undistortion error: {error:.3} px where the views reached");
    assert!(
        error < MAX_UNDISTORT_ERROR_PX,
        "undistorting with the calibration: {error} px"
    );
}

#[test]
fn undistorter_scales_to_frames_of_the_same_shape() {
    let calibration = DISTORTED.calibration("scaled");
    let ideal = test_points(&DISTORTED, 0.0);
    let mut full: Vec<[f32; 2]> = ideal
        .iter()
        .map(|&p| {
            let [u, v] = DISTORTED.pixel(p);
            [
                ((u + 0.5) / WIDTH as f64) as f32,
                ((v + 0.5) / HEIGHT as f64) as f32,
            ]
        })
        .collect();
    let mut half = full.clone();
    calibration
        .undistort_normalized(&mut full)
        .expect("full size");
    Undistorter::new(&calibration, WIDTH as u32 / 2, HEIGHT as u32 / 2)
        .expect("same aspect ratio")
        .undistort_normalized(&mut half)
        .expect("half size");
    for (a, b) in full.iter().zip(&half) {
        let d =
            (f64::from(a[0] - b[0]) * WIDTH as f64).hypot(f64::from(a[1] - b[1]) * HEIGHT as f64);
        assert!(d < EXACT_UNDISTORT_ERROR_PX, "{a:?} vs {b:?}");
    }
    let err = Undistorter::new(&calibration, 640, 480).expect_err("4:3 frames refused");
    assert!(matches!(err, CalibrationError::FrameSize { .. }), "{err}");
    assert!(err.to_string().contains("recalibrate"), "{err}");
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = tempfile::tempdir()
        .unwrap()
        .keep()
        .join(format!("camera-calibration-{test}"));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn too_few_views_is_a_clear_error() {
    let mut images = render_all(&DISTORTED, &POSES[..2]);
    let blank = Mat::new_rows_cols_with_default(
        HEIGHT as i32,
        WIDTH as i32,
        opencv::core::CV_8UC1,
        200.0.into(),
    )
    .expect("blank");
    images.push(blank);

    let dir = scratch_dir("few");
    for (i, image) in images.iter().enumerate() {
        let path = dir.join(format!("view{i}.png"));
        opencv::imgcodecs::imwrite_def(path.to_str().expect("utf-8 path"), image)
            .expect("write png");
    }
    std::fs::write(dir.join("notes.txt"), "not an image").expect("write notes");
    let paths = camera_calibration::images_in(&dir).expect("images");
    assert_eq!(paths.len(), 3, "{paths:?}");
    let err = calibrate(&paths, (COLUMNS, ROWS), SQUARE_MM, "few").expect_err("two views");
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        matches!(
            err,
            CalibrationError::TooFewViews {
                found: 2,
                total: 3,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains("found in 2 of 3 images") && message.contains("at least 3"),
        "{message}"
    );

    let bad = [dir.join("notes.txt")];
    let err = calibrate(&bad, (COLUMNS, ROWS), SQUARE_MM, "few").expect_err("not an image");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    std::fs::remove_dir_all(&dir).ok();

    let err = calibrate_mats(&images, (2, 6), SQUARE_MM, "few").expect_err("tiny board");
    assert!(err.to_string().contains("inner corners"), "{err}");
    let err = calibrate_mats(&images, (COLUMNS, ROWS), 0.0, "few").expect_err("no square size");
    assert!(err.to_string().contains("square size"), "{err}");
    let err =
        calibrate_mats(&images, (COLUMNS, ROWS), SQUARE_MM, "../webcam").expect_err("bad name");
    assert!(err.to_string().contains("file name"), "{err}");
}

#[test]
fn save_then_load_is_the_same() {
    let dir = scratch_dir("round-trip");
    let path = dir.join("cameras/webcam.toml");
    let calibration = CameraCalibration {
        name: "webcam".into(),
        image_width: 1920,
        image_height: 1080,
        fx: 1402.123456789012,
        fy: 1399.8765432109876,
        cx: 961.3333333333334,
        cy: 541.1,
        distortion: [-0.123456789, 0.0456, 1.5e-4, -2.25e-4, -0.0123],
        rms_reprojection_px: 0.2718281828,
        views: 14,
    };
    calibration.save(&path).expect("save");
    let text = std::fs::read_to_string(&path).expect("read back");
    assert!(text.starts_with("# Camera `webcam`"), "{text}");
    assert_eq!(load(&path).expect("load"), calibration);
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes `text` as `name` in a scratch folder and loads it.
fn load_text(dir: &Path, name: &str, text: &str) -> (PathBuf, CalibrationError) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    let err = load(&path).expect_err("must be refused");
    (path, err)
}

const VALID: &str = "name = \"webcam\"
image_width = 1280
image_height = 720
fx = 900
fy = 900.5
cx = 640.0
cy = 360.0
distortion = [-0.1, 0.02, 0.0, 0.0, 0.0]
rms_reprojection_px = 0.2
views = 12
";

#[test]
fn load_errors_name_the_file_the_line_and_the_field() {
    let dir = scratch_dir("errors");
    let ok = dir.join("ok.toml");
    std::fs::write(&ok, VALID).expect("write");
    let loaded = load(&ok).expect("a valid file loads");
    assert_eq!((loaded.fx, loaded.views), (900.0, 12));

    let (path, err) = load_text(&dir, "negative.toml", &VALID.replace("fx = 900", "fx = -3"));
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.starts_with(&format!("{} line 4: `fx`", path.display()))
            && message.contains("between 64 and 25600 pixels"),
        "{message}"
    );
    // Finite but not a camera: a focal length of 1e-30 pixels, a lens
    // bending by 1e12.
    let (_, err) = load_text(&dir, "tiny.toml", &VALID.replace("fx = 900", "fx = 1e-30"));
    assert!(err.to_string().contains("line 4: `fx`"), "{err}");
    let (_, err) = load_text(
        &dir,
        "bent.toml",
        &VALID.replace("[-0.1, 0.02,", "[1e12, 0.02,"),
    );
    assert!(
        err.to_string().contains("line 8: `distortion`")
            && err.to_string().contains("k1 = 1000000000000"),
        "{err}"
    );

    let (path, err) = load_text(
        &dir,
        "outside.toml",
        &VALID.replace("cy = 360.0", "cy = 900.0"),
    );
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.starts_with(&format!("{} line 7: `cy`", path.display())),
        "{message}"
    );
    assert!(message.contains("inside the image"), "{message}");

    let (_, err) = load_text(
        &dir,
        "zero.toml",
        &VALID.replace("image_height = 720", "image_height = 0"),
    );
    assert!(err.to_string().contains("line 3: `image_height`"), "{err}");

    let (path, err) = load_text(
        &dir,
        "syntax.toml",
        &VALID.replace("fy = 900.5", "fy = = 900.5"),
    );
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.starts_with(&format!("{} line 5:", path.display())),
        "{message}"
    );

    let (_, err) = load_text(&dir, "unknown.toml", &format!("{VALID}skew = 0.0\n"));
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.contains("line 11:") && message.contains("skew"),
        "{message}"
    );

    let (_, err) = load_text(
        &dir,
        "short.toml",
        &VALID.replace("0.02, 0.0, 0.0, 0.0]", "0.02]"),
    );
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.contains("line 8:") && message.contains("distortion"),
        "{message}"
    );

    let missing = dir.join("absent.toml");
    let err = load(&missing).expect_err("missing file");
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.contains("absent.toml") && message.contains("no such"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
