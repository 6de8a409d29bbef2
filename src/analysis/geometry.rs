//! Plane and space geometry of the body, on `nalgebra` vectors.
//!
//! Image-plane angles are computed in pixels with the image's y axis
//! pointing down, and expressed so that "up" is the top of the image.

use nalgebra::{Vector2, Vector3};

/// The angle at `b` between the segments to `a` and to `c`, in degrees
/// (0–180); `None` when a segment has no length.
pub fn angle_at(a: Vector2<f32>, b: Vector2<f32>, c: Vector2<f32>) -> Option<f32> {
    let u = (a - b).try_normalize(f32::EPSILON)?;
    let v = (c - b).try_normalize(f32::EPSILON)?;
    Some(u.dot(&v).clamp(-1.0, 1.0).acos().to_degrees())
}

/// How far `mid` bends out of the straight line from `a` to `b`, in degrees:
/// `180 − ∠(a, mid, b)`, positive when `mid` lies above the line (towards
/// the top of the image), negative below. `None` when a segment has no
/// length or the line is vertical (above and below are then undefined).
pub fn bend_above_line(a: Vector2<f32>, mid: Vector2<f32>, b: Vector2<f32>) -> Option<f32> {
    let interior = angle_at(a, mid, b)?;
    let along = b - a;
    if along.x.abs() < f32::EPSILON {
        return None;
    }
    // Height of `mid` above the line at its x (image y grows downwards).
    let t = (mid.x - a.x) / along.x;
    let line_y = a.y + t * along.y;
    let sign = if mid.y <= line_y { 1.0 } else { -1.0 };
    Some(sign * (180.0 - interior))
}

/// Direction of the vector `from → to` against the image's up direction, in
/// degrees within (−180, 180]: 0 straight up, 90 towards the image's right,
/// −90 towards its left.
pub fn direction_from_up(from: Vector2<f32>, to: Vector2<f32>) -> Option<f32> {
    let d = (to - from).try_normalize(f32::EPSILON)?;
    Some(d.x.atan2(-d.y).to_degrees())
}

/// Elevation of the vector `from → to` above the image's horizontal, in
/// degrees within [−90, 90]: positive when `to` is higher than `from`.
pub fn elevation(from: Vector2<f32>, to: Vector2<f32>) -> Option<f32> {
    let d = (to - from).try_normalize(f32::EPSILON)?;
    Some((-d.y).asin().to_degrees())
}

/// Tilt of the line through `a` and `b` against the image's horizontal, in
/// degrees within (−90, 90]: the same whichever end is given first, so a
/// body that turns round never makes it jump by 180°. Positive when the
/// line rises to the right.
pub fn line_tilt(a: Vector2<f32>, b: Vector2<f32>) -> Option<f32> {
    let d = (b - a).try_normalize(f32::EPSILON)?;
    let mut deg = (-d.y).atan2(d.x).to_degrees();
    if deg > 90.0 {
        deg -= 180.0;
    } else if deg <= -90.0 {
        deg += 180.0;
    }
    Some(deg)
}

/// The angle between two lines (`a0 → a1`, `b0 → b1`) once projected onto
/// the plane perpendicular to `axis`, in degrees (0–180), signed by the
/// right-hand rule about `axis`. For the twist of the shoulders against the
/// pelvis about the trunk.
pub fn twist_about(axis: Vector3<f32>, a: Vector3<f32>, b: Vector3<f32>) -> Option<f32> {
    let n = axis.try_normalize(f32::EPSILON)?;
    let pa = (a - n * a.dot(&n)).try_normalize(f32::EPSILON)?;
    let pb = (b - n * b.dot(&n)).try_normalize(f32::EPSILON)?;
    let sin = n.dot(&pa.cross(&pb));
    let cos = pa.dot(&pb);
    Some(sin.atan2(cos).to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: f32, y: f32) -> Vector2<f32> {
        Vector2::new(x, y)
    }

    #[test]
    fn right_angle_and_straight_line() {
        assert!((angle_at(v(0.0, 0.0), v(1.0, 0.0), v(1.0, 1.0)).unwrap() - 90.0).abs() < 1e-4);
        assert!((angle_at(v(0.0, 0.0), v(1.0, 0.0), v(2.0, 0.0)).unwrap() - 180.0).abs() < 1e-3);
        assert!(angle_at(v(1.0, 1.0), v(1.0, 1.0), v(2.0, 0.0)).is_none());
    }

    #[test]
    fn bend_sign_follows_the_image_up_direction() {
        // Hip 10 px above the shoulder–ankle line (y down): positive.
        assert!(bend_above_line(v(0.0, 100.0), v(100.0, 90.0), v(200.0, 100.0)).unwrap() > 0.0);
        assert!(bend_above_line(v(0.0, 100.0), v(100.0, 110.0), v(200.0, 100.0)).unwrap() < 0.0);
        // Either end first gives the same answer.
        let a = bend_above_line(v(200.0, 100.0), v(100.0, 110.0), v(0.0, 100.0)).unwrap();
        let b = bend_above_line(v(0.0, 100.0), v(100.0, 110.0), v(200.0, 100.0)).unwrap();
        assert!((a - b).abs() < 1e-4);
    }

    #[test]
    fn directions_and_tilts() {
        assert!((direction_from_up(v(0.0, 0.0), v(0.0, -5.0)).unwrap()).abs() < 1e-4);
        assert!((direction_from_up(v(0.0, 0.0), v(5.0, 0.0)).unwrap() - 90.0).abs() < 1e-4);
        assert!((elevation(v(0.0, 0.0), v(1.0, -1.0)).unwrap() - 45.0).abs() < 1e-3);
        let t1 = line_tilt(v(0.0, 0.0), v(10.0, -1.0)).unwrap();
        let t2 = line_tilt(v(10.0, -1.0), v(0.0, 0.0)).unwrap();
        assert!((t1 - t2).abs() < 1e-4 && t1 > 0.0);
    }

    #[test]
    fn twist_about_the_trunk_axis() {
        let up = Vector3::new(0.0, -1.0, 0.0);
        let pelvis = Vector3::new(1.0, 0.0, 0.0);
        let shoulders = Vector3::new(30f32.to_radians().cos(), -0.3, 30f32.to_radians().sin());
        let t = twist_about(up, pelvis, shoulders).unwrap();
        assert!((t.abs() - 30.0).abs() < 1e-3, "{t}");
    }
}
