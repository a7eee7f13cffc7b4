//! Reading conversations from files, directories, `.jsonl` and stdin. Being written.
