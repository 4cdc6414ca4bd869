"""FocusCLIP / CLIP in PyTorch, reading and writing the checkpoints and data files of the
TypeScript/WebGPU engine, with multi-process training on torch.distributed (DDP).

Modules: model (the one PyTorch definition of our model), safetensors (file format), checkpoint
(our checkpoint layout), data (data files from `focusclip export-data` and the data order rule),
optim (our optimizer updates and schedules), distributed (the feature gather), train (the
torchrun entry point), zeroshot (zero-shot predictions like `focusclip eval`).
"""
