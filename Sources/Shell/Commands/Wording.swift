import Simulator

// The words for the simulator's other typed values: the tasks, the functions the norm clipping styles
// reproduce, and the errors of clipping rules and model specs. The simulator says these as data;
// every sentence a learner reads about them is here. Clipping warnings are worded in ClipWording.swift.

extension Commands {
    /// What a task asks the network to do, in one line (`task` shows it).
    static func describe(_ task: TaskKind) -> String {
        switch task {
        case .regress: "one fixed sequence of N(0,1) inputs and one N(0,1) target"
        case .adding: "add the two marked values of a two-channel sequence (values in [0,1), markers)"
        case .order: "classify the order of the two relevant symbols X/Y among distractors (4 classes)"
        case .memory: "output the first input after T steps"
        }
    }
}
