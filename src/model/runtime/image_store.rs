//! A node's container runtime storage: the image references it knows (containerd's image store: name ->
//! manifest), the manifests it has unpacked, and the layer blobs in its content store, some of them still
//! being downloaded (a second pull of a blob in flight waits for the first, as containerd's ingest lock does).

use crate::model::spec::{ImageId, LayerId};
use crate::model::trace::PullId;
use std::collections::{BTreeMap, BTreeSet};

/// State of one layer blob on a node.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerState {
    /// Fetched and unpacked.
    Present,
    /// Being fetched or unpacked by `owner`; `waiters` (owner included) need it.
    Downloading {
        /// The pull fetching it.
        owner: PullId,
        /// Every pull waiting for it.
        waiters: Vec<PullId>,
    },
}

/// What a node's runtime has.
#[derive(Debug, Clone, Default)]
pub struct ImageStore {
    /// `name:tag` and `name@digest` references -> manifest (what `GetImageRef` finds).
    refs: BTreeMap<String, ImageId>,
    /// (repository name, manifest) pairs present, for digest lookups.
    images: BTreeSet<(String, ImageId)>,
    /// Layer blobs.
    layers: BTreeMap<LayerId, LayerState>,
}

impl ImageStore {
    /// The manifest a reference resolves to locally: by digest if it has one, else by `name:tag`.
    pub fn lookup(&self, name: &str, tag: Option<&str>, digest: Option<ImageId>) -> Option<ImageId> {
        match digest {
            Some(d) => self.images.contains(&(name.to_string(), d)).then_some(d),
            None => self.refs.get(&format!("{name}:{}", tag.unwrap_or("latest"))).copied(),
        }
    }

    /// The image the node reports under `name` in its status (`name:tag` from its tags, `name@digest` from
    /// its digests), matched exactly as the scheduler's ImageLocality does.
    pub fn status_image<'a>(&self, name: &str, digest_of: impl Fn(ImageId) -> &'a str) -> Option<ImageId> {
        match name.split_once('@') {
            Some((repo, digest)) => self
                .images
                .range((repo.to_string(), ImageId(0))..=(repo.to_string(), ImageId(u32::MAX)))
                .map(|(_, i)| *i)
                .find(|i| digest_of(*i) == digest),
            None => self.refs.get(name).copied(),
        }
    }

    /// Records a pulled (or preloaded) image under its name and, if given, its tag; its layers become present.
    pub fn add_image(&mut self, name: &str, tag: Option<&str>, image: ImageId, layers: &[LayerId]) {
        if let Some(tag) = tag {
            self.refs.insert(format!("{name}:{tag}"), image);
        }
        self.images.insert((name.to_string(), image));
        for l in layers {
            self.layers.insert(*l, LayerState::Present);
        }
    }

    /// The state of a layer blob, if the node has or is fetching it.
    pub fn layer(&self, layer: LayerId) -> Option<&LayerState> {
        self.layers.get(&layer)
    }

    /// Marks `layer` as being fetched by `owner`.
    pub fn begin_download(&mut self, layer: LayerId, owner: PullId) {
        self.layers.insert(layer, LayerState::Downloading { owner, waiters: vec![owner] });
    }

    /// Adds `pull` to the waiters of a layer in flight. Returns false if the layer is not in flight.
    pub fn wait_for(&mut self, layer: LayerId, pull: PullId) -> bool {
        match self.layers.get_mut(&layer) {
            Some(LayerState::Downloading { waiters, .. }) => {
                waiters.push(pull);
                true
            }
            _ => false,
        }
    }

    /// Pulls waiting for a layer in flight (empty if it is not in flight).
    pub fn waiters(&self, layer: LayerId) -> &[PullId] {
        match self.layers.get(&layer) {
            Some(LayerState::Downloading { waiters, .. }) => waiters,
            _ => &[],
        }
    }

    /// The layer is fetched and unpacked: it becomes present; returns who was waiting for it.
    pub fn finish_download(&mut self, layer: LayerId) -> Vec<PullId> {
        match self.layers.insert(layer, LayerState::Present) {
            Some(LayerState::Downloading { waiters, .. }) => waiters,
            _ => Vec::new(),
        }
    }

    /// The owner gave up on the layer: the first other waiter (in arrival order) for which `alive` holds takes
    /// it over and is returned; with none, the layer is forgotten.
    pub fn abandon_download(&mut self, layer: LayerId, alive: impl Fn(PullId) -> bool) -> Option<PullId> {
        let Some(LayerState::Downloading { owner, waiters }) = self.layers.get_mut(&layer) else {
            return None;
        };
        let old = *owner;
        waiters.retain(|w| *w != old && alive(*w));
        match waiters.first().copied() {
            Some(next) => {
                *owner = next;
                Some(next)
            }
            None => {
                self.layers.remove(&layer);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lookup_finds_what_was_recorded_not_what_the_registry_says_now() {
        let mut s = ImageStore::default();
        s.add_image("r/app", Some("latest"), ImageId(1), &[LayerId(0)]);
        assert_eq!(s.lookup("r/app", Some("latest"), None), Some(ImageId(1)));
        assert_eq!(s.lookup("r/app", None, None), Some(ImageId(1)), "no tag means latest");
        assert_eq!(s.lookup("r/app", Some("v2"), None), None);
        assert_eq!(s.lookup("r/app", None, Some(ImageId(1))), Some(ImageId(1)));
        assert_eq!(s.lookup("r/other", None, Some(ImageId(1))), None, "digest lookups are per repository");
        assert_eq!(s.layer(LayerId(0)), Some(&LayerState::Present));
    }

    #[test]
    fn an_abandoned_layer_passes_to_the_next_live_waiter() {
        let mut s = ImageStore::default();
        s.begin_download(LayerId(3), PullId(1));
        assert!(s.wait_for(LayerId(3), PullId(2)));
        assert!(s.wait_for(LayerId(3), PullId(3)));
        assert_eq!(s.abandon_download(LayerId(3), |p| p != PullId(2)), Some(PullId(3)));
        assert_eq!(s.finish_download(LayerId(3)), vec![PullId(3)]);
        s.begin_download(LayerId(4), PullId(1));
        assert_eq!(s.abandon_download(LayerId(4), |_| true), None);
        assert_eq!(s.layer(LayerId(4)), None);
    }
}
