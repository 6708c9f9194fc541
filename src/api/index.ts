// The programmatic API: cli/ and web/ call only this. One file per area under api/, re-exported here.
export {};
