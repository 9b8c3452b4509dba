//! Points and rectangles in diagram coordinates (pixels, y down, as BPMN DI has them).

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.width / 2.0,
            y: self.y + self.height / 2.0,
        }
    }

    /// The top or bottom edge, whichever faces the height `y`.
    pub fn edge_toward(&self, y: f64) -> f64 {
        if y > self.center().y {
            self.y + self.height
        } else {
            self.y
        }
    }

    /// Two points on the vertical through the centre, from `y0` to `y1`.
    pub fn vertical_from(&self, y0: f64, y1: f64) -> [Point; 2] {
        let x = self.center().x;
        [Point { x, y: y0 }, Point { x, y: y1 }]
    }

    pub fn moved(&self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..*self
        }
    }
}

impl Point {
    pub fn moved(&self, dx: f64, dy: f64) -> Point {
        Point {
            x: self.x + dx,
            y: self.y + dy,
        }
    }
}
