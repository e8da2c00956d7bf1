//! The in-memory form every learner consumes: a dense row-major `f32` feature matrix
//! and class indices.

/// Rows of features with their class labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Row-major, `rows * cols` values.
    pub x: Vec<f32>,
    /// Class index of each row, `< n_classes` of the dataset.
    pub y: Vec<u32>,
    pub rows: usize,
    pub cols: usize,
}

impl Table {
    pub fn new(x: Vec<f32>, y: Vec<u32>, cols: usize) -> Self {
        let rows = y.len();
        assert_eq!(x.len(), rows * cols, "feature matrix and labels disagree");
        Table { x, y, rows, cols }
    }

    pub fn row(&self, index: usize) -> &[f32] {
        &self.x[index * self.cols..(index + 1) * self.cols]
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Table {
        let mut x = Vec::with_capacity(indices.len() * self.cols);
        let mut y = Vec::with_capacity(indices.len());
        for &i in indices {
            x.extend_from_slice(self.row(i));
            y.push(self.y[i]);
        }
        Table { x, y, rows: indices.len(), cols: self.cols }
    }
}

/// A dataset: named features and classes, training rows and, where the publisher
/// defines one, an official test split.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub feature_names: Vec<String>,
    pub class_names: Vec<String>,
    pub train: Table,
    pub test: Option<Table>,
    /// Where the data came from (files and their checksums), for the report.
    pub provenance: String,
    /// Which source column each feature comes from and how it was encoded (for imputing
    /// missing values per fold); empty for datasets without missing values.
    pub sources: Vec<FeatureSource>,
    /// Protected attributes, kept for grouping (fairness figures) even when they are not
    /// features.
    pub protected: Vec<GroupColumn>,
}

/// How a feature came from its source column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSource {
    pub column: String,
    pub kind: FeatureKind,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    Numeric,
    /// One 0/1 indicator of a category.
    OneHot,
    /// A category's index.
    Ordinal,
}

/// A protected attribute: its groups and each row's group, for the training and the
/// official test table.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct GroupColumn {
    pub name: String,
    pub levels: Vec<String>,
    pub train: Vec<u32>,
    pub test: Option<Vec<u32>>,
}

impl GroupColumn {
    /// The same column for a subset of training rows.
    pub fn select(&self, rows: &[usize]) -> Vec<u32> {
        rows.iter().map(|&r| self.train[r]).collect()
    }
}

impl Dataset {
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }
}
