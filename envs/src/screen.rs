//! The size of the X screen, so that windows open at a scale that fits it.

/// `(width, height)` of the default X screen in pixels, or `None` without a display (or off
/// Linux). Reads it through Xlib, loaded at run time as minifb does.
#[cfg(target_os = "linux")]
pub fn size() -> Option<(usize, usize)> {
    std::env::var_os("DISPLAY").filter(|d| !d.is_empty())?;
    let xlib = x11_dl::xlib::Xlib::open().ok()?;
    // SAFETY: the display pointer is checked for null, used only between open and close, and
    // the screen number comes from that display.
    unsafe {
        let display = (xlib.XOpenDisplay)(std::ptr::null());
        if display.is_null() {
            return None;
        }
        let screen = (xlib.XDefaultScreen)(display);
        let (w, h) = (
            (xlib.XDisplayWidth)(display, screen),
            (xlib.XDisplayHeight)(display, screen),
        );
        (xlib.XCloseDisplay)(display);
        (w > 0 && h > 0).then_some((w as usize, h as usize))
    }
}

/// `(width, height)` of the screen; not read off Linux.
#[cfg(not(target_os = "linux"))]
pub fn size() -> Option<(usize, usize)> {
    None
}
